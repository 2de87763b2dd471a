import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { inputVariable, node24Path, parseFileCommands } from '../src/action-runner'

describe('action runner emulation', () => {
  it('runs bundles on Node 24, as runs.using: node24 does', () => {
    expect(execFileSync(node24Path(), ['--version'], { encoding: 'utf8' })).toMatch(/^v24\./)
  })
  it('forms INPUT_ names as the runner does', () => {
    expect(inputVariable('max-attempts')).toBe('INPUT_MAX-ATTEMPTS')
    expect(inputVariable('my input')).toBe('INPUT_MY_INPUT')
  })
  it('parses heredoc and key=value file commands', () => {
    const text = 'digest<<ghadelimiter_1\nsha256:abc\nghadelimiter_1\nmulti<<EOF\na\nb\nEOF\nplain=x=y\n'
    expect(parseFileCommands(text)).toEqual({ digest: 'sha256:abc', multi: 'a\nb', plain: 'x=y' })
  })
})
