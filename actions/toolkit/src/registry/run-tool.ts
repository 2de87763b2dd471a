// Runs the registry tools (docker, buildx, skopeo) under coreutils `timeout`: a registry that
// accepts connections but never answers would otherwise hang the step until the job's own timeout.
// Every tool runs with an environment scrubbed of the step's inputs and the runner's OIDC request
// token, and what it prints has the signatures of signed URLs redacted before anyone reads it.
import * as core from '@actions/core'
import { CommandError, execute, type ExecOptions, type ExecResult } from '../exec'

// coreutils `timeout` exits 124 when the deadline passed and the command ended on its TERM signal.
const TIMEOUT_EXIT_CODE = 124

export function timedArgs(command: string, args: readonly string[], timeoutSeconds: number): string[] {
  return ['--kill-after=10s', `${timeoutSeconds}s`, command, ...args]
}

/**
 * The runner hands every input to the step as INPUT_<NAME> (a client secret or password among them)
 * and the OIDC request token as ACTIONS_ID_TOKEN_REQUEST_TOKEN/_URL: no registry tool needs them, and
 * a tool (or a credential helper it starts) must not be able to read or log them. Returns `extra`
 * plus an undefined entry, which removes the variable, for each such name in `env`.
 */
export function scrubbedEnv(env: NodeJS.ProcessEnv, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const scrubbed: Record<string, string | undefined> = {}
  for (const name of Object.keys(env)) {
    if (/^INPUT_/i.test(name) || /^ACTIONS_ID_TOKEN_REQUEST_/i.test(name)) scrubbed[name] = undefined
  }
  return { ...scrubbed, ...extra }
}

/**
 * ACR answers blob downloads with a redirect to a storage URL signed by a SAS, whose `sig=` value is
 * a bearer credential (https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas).
 * buildx and skopeo print the full URL when that download fails; keep the URL, drop the signature.
 */
export function redactSignatures(text: string): string {
  // A signature is base64, URL-encoded or not: A-Z a-z 0-9 + / = and %XX.
  return text.replace(/([?&;]sig(?:=|%3D))[A-Za-z0-9+/=%_-]+/gi, '$1***')
}

function redacted(result: ExecResult): ExecResult {
  return { exitCode: result.exitCode, stdout: redactSignatures(result.stdout), stderr: redactSignatures(result.stderr) }
}

/** Logs `command args` (unless quiet), as the runner would show it, and runs it with a deadline. */
export async function runTool(command: string, args: readonly string[], timeoutSeconds: number, options: ExecOptions = {}): Promise<ExecResult> {
  if (!options.quiet) core.info(`[command]${command} ${args.join(' ')}`)
  const env = scrubbedEnv(process.env, options.env)
  try {
    return redacted(await execute('timeout', timedArgs(command, args, timeoutSeconds), { ...options, env, quiet: true }))
  } catch (error) {
    if (error instanceof CommandError) throw new CommandError(error.command, error.args, redacted(error.result))
    throw error
  }
}

/** The deadline ("600s") of a runTool call that `timeout` ended, or undefined for any other error. */
export function passedDeadline(error: unknown): string | undefined {
  if (!(error instanceof CommandError) || error.command !== 'timeout' || error.result.exitCode !== TIMEOUT_EXIT_CODE) return undefined
  return error.args[1] ?? 'the deadline'
}
