// Runs docker and skopeo under coreutils `timeout`: a registry that accepts connections but never
// answers would otherwise hang the step until the job's own timeout. Exit 124 means the deadline passed.
import * as core from '@actions/core'
import { execute, type ExecOptions, type ExecResult } from '@aks-gitops/toolkit'

export const TIMEOUT_EXIT_CODE = 124

export function timedArgs(command: string, args: readonly string[], timeoutSeconds: number): string[] {
  return ['--kill-after=10s', `${timeoutSeconds}s`, command, ...args]
}

/** Logs `command args` (unless quiet), as the runner would show it, and runs it with a deadline. */
export async function runTool(command: string, args: readonly string[], timeoutSeconds: number, options: ExecOptions = {}): Promise<ExecResult> {
  if (!options.quiet) core.info(`[command]${command} ${args.join(' ')}`)
  return execute('timeout', timedArgs(command, args, timeoutSeconds), { ...options, quiet: true })
}
