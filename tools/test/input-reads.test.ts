// Each action reads its inputs in its inputs module only (inputs.ts, or a file in an inputs/
// folder), each input in one place, and hands the rest of the action typed settings.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { inputReadViolations, isInputsModule, localReaders, repositoryInputReadViolations, toolkitReaders, withoutComments } from '../src/input-reads'

const READERS = toolkitReaders(readFileSync(join(REPO_ROOT, 'actions/toolkit/src/inputs.ts'), 'utf8'))
const check = (file: string, source: string) => inputReadViolations(file, source, READERS)

describe('input reads', () => {
  it('hold in this repository: every action, the plan entry of buildx-multiarch and the toolkit', () => {
    expect(repositoryInputReadViolations(REPO_ROOT)).toEqual([])
  })

  it("knows the toolkit's readers from its inputs module, and the inputs modules' own wrappers", () => {
    expect(READERS.sort()).toEqual(['getBoolean', 'getChoice', 'getInteger', 'getList', 'getString'])
    const wrappers = ['function optional(name: string): string | undefined {', "  const value = getString(name)", '  return value', '}', 'function guid(name: string, mode: string): string {', '  return optional(name) ?? mode', '}', 'function parse(name: string, value: string) {', '  return value', '}'].join('\n')
    expect(localReaders(wrappers, READERS)).toEqual(['optional', 'guid'])
  })

  it('names the inputs modules of all three actions', () => {
    for (const file of ['actions/bump-manifest/src/inputs.ts', 'actions/buildx-multiarch/src/pipeline-plan/inputs.ts', 'actions/acr-push/src/inputs/auth.ts']) expect(isInputsModule(file)).toBe(true)
    for (const file of ['actions/bump-manifest/src/main.ts', 'actions/acr-push/src/auth/azure.ts', 'actions/bump-manifest/src/wait-settings.ts']) expect(isInputsModule(file)).toBe(false)
  })

  it.each([
    ["const t = core.getInput('token')", 'getInput reads input "token"'],
    ["if (core.getBooleanInput('dry-run')) return", 'getBooleanInput reads input "dry-run"'],
    ["const files = getMultilineInput('files')", 'getMultilineInput reads input "files"'],
    ["const previous = getBoolean('previous', false)", 'getBoolean reads input "previous"'],
    ["const s = getString(name)", 'getString reads an input'],
    ['const t = process.env.INPUT_STATUS_TOKEN', 'INPUT_ in the environment reads input "status-token"'],
    ['const t = process.env[`INPUT_${name}`]', 'INPUT_ in the environment reads an input'],
  ])('refuses a read outside the inputs module: %s', (source, message) => {
    expect(check('actions/bump-manifest/src/main.ts', source)).toEqual([`actions/bump-manifest/src/main.ts: ${message} outside the inputs module (inputs.ts reads every input into typed settings)`])
    expect(check('actions/bump-manifest/src/inputs.ts', source)).toEqual([])
  })

  it('refuses an input its inputs module reads in two places, through its own wrappers too', () => {
    const twice = ["const a = getBoolean('previous', false)", "const b = getBoolean('previous', false)"].join('\n')
    expect(check('actions/bump-manifest/src/inputs.ts', twice)).toEqual(['actions/bump-manifest/src/inputs.ts: input "previous" is read in 2 places (read it once and pass the value on)'])
    const wrapped = ['function optional(name: string): string | undefined {', '  return getString(name) || undefined', '}', "const a = getString('status-token')", "const b = optional('status-token')"].join('\n')
    expect(check('actions/bump-manifest/src/inputs.ts', wrapped)).toEqual(['actions/bump-manifest/src/inputs.ts: input "status-token" is read in 2 places (read it once and pass the value on)'])
  })

  it('does not count comments, other calls of core, or a regular expression naming INPUT_', () => {
    const source = [
      '// main.ts reads inputs through getInput (core.getInput) only in inputs.ts',
      '/* getString("x") */',
      "const url = 'https://example.com/x' // getInput('a') after a URL, in a comment",
      'core.getState("isPost")',
      "const scrubbed = /^INPUT_/i.test(name)",
    ].join('\n')
    expect(check('actions/acr-push/src/main.ts', source)).toEqual([])
    expect(withoutComments("a // b\nc /* d\ne */ f 'g // h'")).toBe("a     \nc     \n     f 'g // h'")
  })
})
