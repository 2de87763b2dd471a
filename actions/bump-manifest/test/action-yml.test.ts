// action.yml and inputs.ts must name the same inputs (tools/test/action-docs.test.ts checks the README tables).
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const read = (file: string): string => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
const action = parse(read('action.yml')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown>; runs: Record<string, string> }

describe('action.yml', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('reads every declared input, and no other', () => {
    const source = read('src/inputs.ts')
    const used = new Set([...source.matchAll(/(?:getString|getList|getBoolean|getInteger|getChoice|optional)\('([a-z-]+)'/g)].map((m) => m[1]))
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort())
  })
})
