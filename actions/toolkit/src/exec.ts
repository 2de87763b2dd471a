// Runs programs with an argument vector (never a shell string) and captures their output.
// Secrets go through the environment or stdin, never argv: other processes can read argv.
import * as core from '@actions/core'
import { exec, getExecOutput } from '@actions/exec'

export interface ExecOptions {
  cwd?: string
  /** Added to (not replacing) the current environment; an undefined value removes a variable. */
  env?: Record<string, string | undefined>
  /** Written to the program's stdin. */
  input?: string | Buffer
  /** Return the result instead of throwing when the exit code is not 0. */
  allowFailure?: boolean
  /** Do not log the command line (the default logs it with core.info, as the runner does). */
  quiet?: boolean
}

export interface ExecResult {
  exitCode: number
  stdout: string
  stderr: string
}

export class CommandError extends Error {
  override name = 'CommandError'
  constructor(
    readonly command: string,
    readonly args: readonly string[],
    readonly result: ExecResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-15).join('\n')
    super(`${command} ${args[0] ?? ''} failed with exit code ${result.exitCode}${detail ? `:\n${detail}` : ''}`)
  }
}

export function mergeEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries({ ...process.env, ...extra })) {
    if (value !== undefined) env[key] = value
  }
  return env
}

/** Logs the command line (unless quiet) and maps our options onto @actions/exec's, for both runners below. */
function startOptions(command: string, args: readonly string[], options: ExecOptions): NonNullable<Parameters<typeof exec>[2]> {
  if (!options.quiet) core.info(`[command]${command} ${args.join(' ')}`)
  const execOptions: NonNullable<Parameters<typeof exec>[2]> = {
    silent: true,
    ignoreReturnCode: true,
    env: mergeEnv(options.env),
  }
  if (options.cwd !== undefined) execOptions.cwd = options.cwd
  if (options.input !== undefined) {
    execOptions.input = Buffer.isBuffer(options.input) ? options.input : Buffer.from(options.input)
  }
  return execOptions
}

export async function execute(command: string, args: readonly string[], options: ExecOptions = {}): Promise<ExecResult> {
  const result = await getExecOutput(command, [...args], startOptions(command, args, options))
  const outcome = { exitCode: result.exitCode, stdout: result.stdout, stderr: result.stderr }
  if (outcome.exitCode !== 0 && !options.allowFailure) throw new CommandError(command, args, outcome)
  return outcome
}

/**
 * As execute, but stdout comes back as bytes: for output that counts bytes (`git cat-file --batch`
 * gives each object's size in bytes, which a decoded string cannot be sliced by).
 */
export async function executeBytes(command: string, args: readonly string[], options: ExecOptions = {}): Promise<{ exitCode: number; stdout: Buffer; stderr: string }> {
  const stdout: Buffer[] = []
  const stderr: Buffer[] = []
  const execOptions = startOptions(command, args, options)
  execOptions.listeners = { stdout: (data: Buffer) => stdout.push(data), stderr: (data: Buffer) => stderr.push(data) }
  const exitCode = await exec(command, [...args], execOptions)
  const outcome = { exitCode, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString('utf8') }
  if (exitCode !== 0 && !options.allowFailure) throw new CommandError(command, args, { exitCode, stdout: '', stderr: outcome.stderr })
  return outcome
}
