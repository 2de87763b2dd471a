// Turns what docker, buildx and skopeo print on failure into one kind of fault, a clear message,
// and whether another attempt can help. Pure: tested on the tools' real messages.
import { CommandError, RetriesExhaustedError, isTransientNetworkError } from '@aks-gitops/toolkit'

export type FaultKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'unknown-registry'
  | 'unreachable'
  | 'timeout'
  | 'throttled'
  | 'server-error'
  | 'other'

/** A registry or identity-provider failure with its kind; `retryable` drives withRetry. */
export class RegistryError extends Error {
  override name = 'RegistryError'
  constructor(
    readonly kind: FaultKind,
    message: string,
  ) {
    super(message)
  }
  get retryable(): boolean {
    return isRetryableKind(this.kind)
  }
}

export function isRetryableKind(kind: FaultKind): boolean {
  return kind === 'unreachable' || kind === 'timeout' || kind === 'throttled' || kind === 'server-error'
}

// Ordered: the first match wins (a 401 page may also mention "not found" in its body).
const PATTERNS: Array<[FaultKind, RegExp]> = [
  ['throttled', /\b429\b|toomanyrequests|too many requests/i],
  ['unauthorized', /\b401\b|unauthorized|authentication required|authorization failed|no basic auth credentials|incorrect username or password|invalid username\/password/i],
  ['forbidden', /\b403\b|forbidden|\bdenied\b|insufficient_scope/i],
  ['unknown-registry', /no such host|server misbehaving|name or service not known|Temporary failure in name resolution/i],
  ['unreachable', /connection refused|connection reset|broken pipe|EOF$|network is unreachable|no route to host/im],
  ['timeout', /i\/o timeout|timeout exceeded|context deadline exceeded|TLS handshake timeout|timed out/i],
  ['server-error', /\b50[0-9]\b|internal server error|bad gateway|service unavailable|gateway timeout/i],
  // \b: a bare 404 inside a hex digest is not a status.
  ['not-found', /manifest unknown|not found|name unknown|NAME_UNKNOWN|MANIFEST_UNKNOWN|BLOB_UNKNOWN|\b404\b/i],
]

export function classifyOutput(text: string): FaultKind {
  for (const [kind, re] of PATTERNS) if (re.test(text)) return kind
  return 'other'
}

const ADVICE: Record<FaultKind, string> = {
  unauthorized: 'the registry rejected the credentials (401): check the auth input and its username/password or federated identity',
  forbidden:
    'the identity is signed in but lacks permission (403): grant it AcrPush on the registry, or the repository-scoped Writer role on registries with ABAC repository permissions',
  'not-found': 'not found in the registry',
  'unknown-registry': 'the registry host does not resolve: check the registry name (e.g. myacr.azurecr.io)',
  unreachable: 'the registry is unreachable (connection refused or reset): is it up, and is the address right?',
  timeout: 'the registry did not answer in time',
  throttled: 'the registry throttled the requests (HTTP 429)',
  'server-error': 'the registry answered with a server error (HTTP 5xx)',
  other: 'the command failed',
}

/** What a person should read: the operation, the kind of fault with its advice, then the tool's own last lines. */
export function describeFault(operation: string, kind: FaultKind, detail: string): string {
  const last = detail.trim().split('\n').filter(Boolean).slice(-3).join('\n')
  return `${operation}: ${ADVICE[kind]}${last ? `\n${last}` : ''}`
}

/** Wraps a failed command (or network error) as a RegistryError. */
export function toRegistryError(operation: string, error: unknown): RegistryError {
  if (error instanceof RegistryError) return error
  if (error instanceof CommandError) {
    // coreutils `timeout` (see run-tool.ts) exits 124 when the deadline passed.
    if (error.command === 'timeout' && error.result.exitCode === 124) {
      return new RegistryError('timeout', `${operation}: ${ADVICE.timeout} (no answer within ${error.args[1] ?? 'the deadline'})`)
    }
    // skopeo --debug logs every request; only its error lines say what went wrong.
    const keep = (text: string) => text.split('\n').filter((line) => !line.includes('level=debug')).join('\n')
    const stderr = keep(error.result.stderr)
    const stdout = keep(error.result.stdout)
    const kind = classifyOutput(`${stderr}\n${stdout}`)
    return new RegistryError(kind, describeFault(operation, kind, stderr.trim() || stdout))
  }
  if (isTransientNetworkError(error)) return new RegistryError('unreachable', describeFault(operation, 'unreachable', String((error as Error).message)))
  const message = error instanceof Error ? error.message : String(error)
  const kind = /timeout|aborted/i.test(message) ? 'timeout' : 'other'
  return new RegistryError(kind, `${operation}: ${message}`)
}

export function isRetryable(error: unknown): boolean {
  return error instanceof RegistryError && error.retryable
}

/** The message to fail the step with; unwraps the last error after retries, saying how many attempts were made. */
export function failureMessage(error: unknown): string {
  if (error instanceof RetriesExhaustedError) {
    const last = error.lastError instanceof Error ? error.lastError.message : String(error.lastError)
    return `${last}\n(gave up after ${error.attempts} attempts with backoff)`
  }
  return error instanceof Error ? error.message : String(error)
}
