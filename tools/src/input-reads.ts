// Where an action reads its inputs (STYLE.md, "one inputs.ts per action"; DESIGN.md: inputs are
// validated before anything happens): only its inputs module, a file named inputs.ts or one in an
// inputs/ folder, turns them into typed settings, and reads each input in one place. Everything else
// takes those settings. Checked on the source text of actions/*/src, comments left out.
import { readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { sourceFiles } from './import-boundaries'

/** The @actions/core calls that read an input. */
const CORE_READERS = ['getInput', 'getBooleanInput', 'getMultilineInput']
const TOOLKIT_INPUTS = 'actions/toolkit/src/inputs.ts'

/** Source text without comments, so that a comment naming getInput is not a read. Strings are kept (a URL's // is not a comment). */
export function withoutComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\/|(["'`])(?:\\.|(?!\1)[^\\\n])*\1|\/\/[^\n]*/g, (match, quote: string | undefined) => (quote ? match : match.replace(/[^\n]/g, ' ')))
}

/** The toolkit's input readers (getString, getList, ...): the functions its inputs module exports that call core's readers. */
export function toolkitReaders(source: string): string[] {
  return withoutComments(source)
    .split(/^export function /m)
    .slice(1)
    .filter((body) => CORE_READERS.some((name) => body.includes(`core.${name}(`)))
    .map((body) => /^(\w+)/.exec(body)?.[1] ?? '')
}

/**
 * The inputs module's own readers: functions whose first parameter is the input's name and that
 * pass it to a reader (bump-manifest's optional, acr-push's requireInput and guid), to a fixed point.
 */
export function localReaders(source: string, readers: readonly string[]): string[] {
  const functions = [...withoutComments(source).matchAll(/^(?:export )?function (\w+)(?:<[^>]*>)?\(\s*name\s*:\s*string\b[\s\S]*?^\}/gm)].map((m) => ({ name: m[1] as string, body: m[0] }))
  const found: string[] = []
  for (let grew = true; grew; ) {
    const known = [...CORE_READERS, ...readers, ...found]
    const next = functions.filter((f) => !found.includes(f.name) && new RegExp(`\\b(${known.join('|')})\\s*\\(\\s*name\\b`).test(f.body))
    found.push(...next.map((f) => f.name))
    grew = next.length > 0
  }
  return found
}

/** Whether `file` (a repository path) is an action's inputs module. */
export function isInputsModule(file: string): boolean {
  return posix.basename(file) === 'inputs.ts' || file.split('/').includes('inputs')
}

/** Each input read in `source`: the reader called, and the input's name when it is a literal. */
export function inputReads(source: string, readers: readonly string[]): { reader: string; input?: string }[] {
  const text = withoutComments(source)
  const calls = new RegExp(`\\b(${[...CORE_READERS, ...readers].join('|')})\\s*\\(\\s*(?:(['"\`])([^'"\`]*)\\2)?`, 'g')
  // The runner's own form of an input, INPUT_<NAME> in the environment, read around the readers.
  const direct = /(?:\benv\s*\.\s*|["'`])INPUT_([A-Z0-9_]*)/g
  return [
    ...[...text.matchAll(calls)].map((m) => ({ reader: m[1] as string, ...(m[3] !== undefined ? { input: m[3] } : {}) })),
    ...[...text.matchAll(direct)].map((m) => ({ reader: 'INPUT_ in the environment', ...(m[1] ? { input: m[1].toLowerCase().replaceAll('_', '-') } : {}) })),
  ]
}

/** What breaks the rule in one action source file: a read outside the inputs module, or an input its inputs module reads in two places. */
export function inputReadViolations(file: string, source: string, readers: readonly string[]): string[] {
  if (!isInputsModule(file)) {
    return inputReads(source, readers).map((r) => `${file}: ${r.reader}${r.input ? ` reads input "${r.input}"` : ' reads an input'} outside the inputs module (inputs.ts reads every input into typed settings)`)
  }
  const reads = inputReads(source, [...readers, ...localReaders(source, readers)])
  const seen = new Map<string, number>()
  for (const { input } of reads) if (input) seen.set(input, (seen.get(input) ?? 0) + 1)
  return [...seen].filter(([, n]) => n > 1).map(([input, n]) => `${file}: input "${input}" is read in ${n} places (read it once and pass the value on)`)
}

/** Every violation in actions/*\/src of the repository at `root` (the toolkit's too: its readers live in its inputs.ts). */
export function repositoryInputReadViolations(root: string): string[] {
  const readers = toolkitReaders(readFileSync(join(root, TOOLKIT_INPUTS), 'utf8'))
  const actions = readdirSync(join(root, 'actions'), { withFileTypes: true }).filter((d) => d.isDirectory())
  return actions
    .flatMap((d) => sourceFiles(root, `actions/${d.name}/src`))
    .flatMap((file) => inputReadViolations(file, readFileSync(join(root, file), 'utf8'), file === TOOLKIT_INPUTS ? [] : readers))
}
