// Runs one program of the local pipeline (an engine script, the service's tests) the way a
// workflow step runs: its stdout and stderr stream to the step's log as they come, and a non-zero
// exit fails the step with a StepError that says what to do.
import { spawn } from 'node:child_process'
import { StepError } from './step-error'

export interface StreamCommand {
  command: string
  args: readonly string[]
  cwd: string
  /** Added to this process's environment. */
  env?: Record<string, string>
  /** Receives stdout and stderr as they come. */
  sink: (text: string) => void
  /** The step it fails, what failed (`tools/engine/start.sh`, `the vote tests`) and what to do then. */
  failure: { step: string; what: string; hint: string }
}

/** Resolves with the program's stdout once it exits 0; rejects with a StepError otherwise, or with the error when it cannot start. */
export function streamCommand(run: StreamCommand): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(run.command, [...run.args], { cwd: run.cwd, env: { ...process.env, ...run.env }, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text
      run.sink(text)
    })
    child.stderr.setEncoding('utf8').on('data', run.sink)
    child.on('error', reject)
    child.on('close', (code) => {
      const { step, what, hint } = run.failure
      if (code === 0) resolve(stdout)
      else reject(new StepError(step, `${what} failed (exit code ${code})`, hint))
    })
  })
}
