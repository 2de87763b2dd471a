import { describe, expect, it } from 'vitest'
import { parseKeyValueLines } from '../src/inputs'

describe('parseKeyValueLines', () => {
  it('splits on newlines only, keeping commas and = in values', () => {
    expect(parseKeyValueLines('A=1\n\n# comment\nLIST=a,b,c\nEQ=x=y\nEMPTY=', 'a build argument')).toEqual([
      ['A', '1'],
      ['LIST', 'a,b,c'],
      ['EQ', 'x=y'],
      ['EMPTY', ''],
    ])
  })

  it('names the bad line', () => {
    expect(() => parseKeyValueLines('GOOD=1\nnot a pair', 'a label')).toThrow('"not a pair" is not a label (expected KEY=VALUE, one per line)')
    expect(() => parseKeyValueLines('=value', 'a label')).toThrow(/"=value"/)
    expect(() => parseKeyValueLines('1A=x', 'a build argument')).toThrow('"1A=x" is not a build argument (expected KEY=VALUE, one per line)')
    expect(() => parseKeyValueLines('A B=x', 'a build argument')).toThrow(/"A B=x"/)
  })

  it('trims lines and keys, keeps what follows = as given, and reads CRLF lines', () => {
    expect(parseKeyValueLines('  SERVICE = vote\r\nB=x \r\n', 'a build argument')).toEqual([
      ['SERVICE', ' vote'],
      ['B', 'x'],
    ])
  })
})
