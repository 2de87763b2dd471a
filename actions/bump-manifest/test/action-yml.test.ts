// action.yml, the README tables and inputs.ts must name the same inputs and outputs: the names are a contract.
import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const read = (file: string): string => readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
const action = parse(read('action.yml')) as { inputs: Record<string, unknown>; outputs: Record<string, unknown>; runs: Record<string, string> }
const readme = read('README.md')
const tableNames = (section: string): string[] =>
  [...(readme.split(`## ${section}`)[1]?.split('\n## ')[0] ?? '').matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1] as string)

describe('action.yml', () => {
  it('runs the committed bundle on node24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('documents every input and output in the README, in the same order', () => {
    expect(tableNames('Inputs')).toEqual(Object.keys(action.inputs))
    expect(tableNames('Outputs')).toEqual(Object.keys(action.outputs))
    expect(Object.keys(action.outputs)).toEqual(['changed', 'commit-sha', 'previous-images', 'updated-files', 'pull-request-url', 'attempts'])
  })

  it('reads every declared input, and no other', () => {
    const source = read('src/inputs.ts')
    const used = new Set([...source.matchAll(/(?:getString|getList|getBoolean|getInteger|optional)\('([a-z-]+)'/g)].map((m) => m[1]))
    expect([...used].sort()).toEqual(Object.keys(action.inputs).sort())
  })
})
