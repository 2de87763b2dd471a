// Runs a workflow's `run:` script the way the runner's default Linux shell does
// (`bash --noprofile --norc -eo pipefail {0}`), with the step's env and the GITHUB_OUTPUT /
// GITHUB_STEP_SUMMARY files, so tests check what the workflow itself would compute.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseFileCommands } from '@aks-gitops/test-support/action-runner'
import { resolveEnv, type ExpressionContext } from './expressions'
import type { Step } from './load'

export interface ScriptRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/**
 * This machine's environment for a script that reaches the network (PATH, the CA bundle), as a
 * runner gives its own environment to a step; without GITHUB_* and RUNNER_*, which describe a
 * real run and would redirect the step's output files.
 */
export function hostEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !/^(GITHUB|RUNNER)_/.test(entry[0])),
  )
}

/**
 * Runs a workflow step's `run:` script with its `env:` evaluated in `context`, on top of `env`
 * (e.g. hostEnv()), in `cwd`.
 */
export function runStep(step: Step, context: ExpressionContext, options: { env?: Record<string, string>; cwd?: string } = {}): ScriptRun {
  return runStepScript(step.run ?? '', { ...options.env, ...resolveEnv(step.env, context) }, options.cwd)
}

export function runStepScript(script: string, env: Record<string, string>, cwd?: string): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), 'workflow-step-'))
  try {
    const file = join(dir, 'step.sh')
    const output = join(dir, 'output')
    const summary = join(dir, 'summary')
    writeFileSync(file, script)
    writeFileSync(output, '')
    writeFileSync(summary, '')
    const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd: cwd ?? dir,
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? dir,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        ...env,
      },
    })
    return {
      exitCode: result.status ?? -1,
      stdout: result.stdout,
      stderr: result.stderr,
      outputs: parseFileCommands(readFileSync(output, 'utf8')),
      summary: readFileSync(summary, 'utf8'),
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
