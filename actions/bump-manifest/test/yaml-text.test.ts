import { describe, expect, it } from 'vitest'
import { parseDocument, type YAMLMap } from 'yaml'
import { applyEdits, deleteMapKey, lineEnding, renderScalar, setMapValue } from '../src/yaml-text'

function entry(text: string): YAMLMap {
  const doc = parseDocument(text)
  return (doc.contents as unknown as { items: YAMLMap[] }).items[0] as YAMLMap
}

describe('renderScalar', () => {
  it('keeps plain values plain only when YAML reads them back as the same string', () => {
    expect(renderScalar('a.io/vote:1.2.3', 'PLAIN', false)).toBe('a.io/vote:1.2.3')
    expect(renderScalar('1.10', 'PLAIN', false)).toBe('"1.10"')
    expect(renderScalar('true', undefined, false)).toBe('"true"')
    expect(renderScalar('a #b', 'PLAIN', false)).toBe('"a #b"')
    expect(renderScalar('a,b', 'PLAIN', true)).toBe('"a,b"')
    expect(renderScalar("it's", 'QUOTE_SINGLE', false)).toBe("'it''s'")
    expect(renderScalar('x', 'QUOTE_DOUBLE', false)).toBe('"x"')
  })
})

describe('map edits', () => {
  it('deletes the first, a middle and the last key of a block entry', () => {
    const text = '- digest: d # c1\n  name: n # c2\n  newTag: t # c3\n'
    const map = entry(text)
    expect(applyEdits(text, [deleteMapKey(text, map, 'digest')!])).toBe('- name: n # c2\n  newTag: t # c3\n')
    expect(applyEdits(text, [deleteMapKey(text, map, 'name')!])).toBe('- digest: d # c1\n  newTag: t # c3\n')
    expect(applyEdits(text, [deleteMapKey(text, map, 'newTag')!])).toBe('- digest: d # c1\n  name: n # c2\n')
    expect(deleteMapKey(text, map, 'absent')).toBeUndefined()
  })

  it('deletes from flow maps', () => {
    const text = '- {name: n, newTag: t, digest: d}\n'
    const map = entry(text)
    expect(applyEdits(text, [deleteMapKey(text, map, 'newTag')!])).toBe('- {name: n, digest: d}\n')
    expect(applyEdits(text, [deleteMapKey(text, map, 'digest')!])).toBe('- {name: n, newTag: t}\n')
  })

  it('inserts after the last pair at the keys column, with the file line ending, even without a final newline', () => {
    const crlf = 'images:\r\n    - name: n\r\n      newTag: t # keep'
    const doc = parseDocument(crlf)
    const map = (doc.get('images') as { items: YAMLMap[] }).items[0] as YAMLMap
    expect(lineEnding(crlf)).toBe('\r\n')
    expect(applyEdits(crlf, [setMapValue(crlf, map, 'digest', 'sha256:x', 'e')])).toBe(`${crlf}\r\n      digest: sha256:x`)
  })

  it('refuses overlapping edits', () => {
    expect(() => applyEdits('abcdef', [{ start: 0, end: 3, text: '' }, { start: 2, end: 4, text: '' }])).toThrow(/overlapping/)
  })
})
