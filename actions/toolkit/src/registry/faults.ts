// Turns what docker, buildx and skopeo print on failure (and a token endpoint's HTTP status or
// network error code) into one kind of fault, a clear message, and whether another attempt can
// help. Which kinds, codes and statuses are transient is transient-faults.ts's rule; this module
// recognises the tools' words for them. The classification is pure: tested on the tools' real
// messages (actions/toolkit/test/registry-faults.test.ts).
import { errorMessage } from '../errors'
import { CommandError } from '../exec'
import { looksLikeRegistry } from '../image-ref'
import { httpStatuses, isRetryableKind, networkErrorCodes, thrownNetworkErrorKind, type FaultKind } from '../transient-faults'
import { passedDeadline } from './run-tool'

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

/**
 * The tools' words for a kind, or a Node code or status the table gives that kind where a message
 * quotes one ("getaddrinfo EAI_AGAIN host", "403 Forbidden"); whole words only, so a 404 inside a hex digest is not a status.
 */
function wordsOrTable(kind: FaultKind, words: RegExp): RegExp {
  const names = [...networkErrorCodes(kind), ...httpStatuses(kind).map(String)]
  return names.length === 0 ? words : new RegExp(`${words.source}|\\b(?:${names.join('|')})\\b`, words.flags)
}

// Ordered: the first match wins (a 401 page may also mention "not found" in its body).
const PATTERNS: Array<[FaultKind, RegExp]> = [
  ['throttled', wordsOrTable('throttled', /toomanyrequests|too many requests/i)],
  ['unauthorized', wordsOrTable('unauthorized', /unauthorized|authentication required|authorization failed|no basic auth credentials|incorrect username or password|invalid username\/password/i)],
  ['forbidden', wordsOrTable('forbidden', /forbidden|\bdenied\b|insufficient_scope/i)],
  // A resolver that did not answer (EAI_AGAIN; Go's "server misbehaving" is a SERVFAIL) may answer next time;
  // "no such host" will not.
  ['dns-temporary', wordsOrTable('dns-temporary', /Temporary failure in name resolution|server misbehaving/i)],
  ['unknown-registry', wordsOrTable('unknown-registry', /no such host|name or service not known/i)],
  ['unreachable', wordsOrTable('unreachable', /connection refused|connection reset|broken pipe|EOF$|network is unreachable|no route to host/im)],
  ['timeout', wordsOrTable('timeout', /i\/o timeout|timeout exceeded|context deadline exceeded|TLS handshake timeout|timed out/i)],
  // Narrower than the 5xx of httpStatusKind on purpose: in a tool's text a wider match would read a byte count or a port as a status.
  ['server-error', /\b50[0-9]\b|internal server error|bad gateway|service unavailable|gateway timeout/i],
  ['not-found', wordsOrTable('not-found', /manifest unknown|not found|name unknown|NAME_UNKNOWN|MANIFEST_UNKNOWN|BLOB_UNKNOWN/i)],
]

export function classifyOutput(text: string): FaultKind {
  for (const [kind, re] of PATTERNS) if (re.test(text)) return kind
  return 'other'
}

/**
 * The text without the references the command was given. The tools quote them (and their
 * repository inside request URLs), so a repository named `denied/app` or `team/unauthorized`
 * would otherwise read as the fault it is named after.
 */
function withoutReferences(text: string, args: readonly string[]): string {
  const names = new Set<string>()
  for (const arg of args) {
    if (arg.startsWith('-') || !arg.includes('/')) continue
    const reference = arg.replace(/^(docker:\/\/|oci:|oci-archive:|docker-archive:|dir:)/, '')
    names.add(reference)
    // host/repo/path[:tag][@digest] -> repo/path: the part a URL or a message repeats. As the text
    // the tools quote it, not image-ref's normalised name (which would add docker.io/library/).
    const path = reference.split('@')[0]?.replace(/:[^/:]+$/, '') ?? ''
    const segments = path.split('/')
    const first = segments[0] ?? ''
    const repository = (looksLikeRegistry(first) ? segments.slice(1) : segments).join('/')
    if (repository) names.add(repository)
  }
  let scrubbed = text
  // Longest first, so a whole reference goes before the repository inside it.
  for (const name of [...names].sort((a, b) => b.length - a.length)) scrubbed = scrubbed.split(name).join('<reference>')
  return scrubbed
}

const ADVICE: Record<FaultKind, string> = {
  unauthorized: 'the registry rejected the credentials (401): check the auth input and its username/password or federated identity',
  // ACR answers 403 when its firewall or network rules refuse the client (public access disabled, IP not
  // allowed): https://learn.microsoft.com/azure/container-registry/container-registry-troubleshoot-access
  forbidden:
    "the registry refused the request (403): usually its firewall or network rules (public network access disabled, or this runner's IP or virtual network not allowed: see the registry's Networking settings); otherwise the identity lacks the role (AcrPush, or Container Registry Repository Writer on registries with ABAC repository permissions)",
  'not-found': 'not found in the registry',
  'unknown-registry': 'the registry host does not resolve: check the registry name (e.g. myacr.azurecr.io)',
  'dns-temporary': "the runner's DNS resolver did not answer (a temporary name-resolution failure)",
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
  const deadline = passedDeadline(error)
  if (deadline) return new RegistryError('timeout', `${operation}: ${ADVICE.timeout} (no answer within ${deadline})`)
  if (error instanceof CommandError) {
    // skopeo --debug logs every request; only its error lines say what went wrong.
    const keep = (text: string) => text.split('\n').filter((line) => !line.includes('level=debug')).join('\n')
    const stderr = keep(error.result.stderr)
    const stdout = keep(error.result.stdout)
    const kind = classifyOutput(withoutReferences(`${stderr}\n${stdout}`, error.args))
    return new RegistryError(kind, describeFault(operation, kind, stderr.trim() || stdout))
  }
  // A Node error code the table knows (a token request): its kind, retried or not by the same rule.
  const networkKind = thrownNetworkErrorKind(error)
  if (networkKind) return new RegistryError(networkKind, describeFault(operation, networkKind, errorMessage(error)))
  const message = errorMessage(error)
  const kind = /timeout|aborted/i.test(message) ? 'timeout' : 'other'
  return new RegistryError(kind, `${operation}: ${message}`)
}

/**
 * Whether another attempt can help. `afterPush`: the reference was written moments ago, and a
 * registry may not serve it yet ("manifest unknown"): ACR's geo-replicas are eventually consistent,
 * and a read routed to another replica than the push can miss it until replication completes
 * (https://learn.microsoft.com/en-us/azure/container-registry/container-registry-geo-replication,
 * "Consistency model"). So not-found is worth another attempt too.
 */
export function isRetryable(error: unknown, options: { afterPush?: boolean } = {}): boolean {
  if (!(error instanceof RegistryError)) return false
  return error.retryable || (options.afterPush === true && error.kind === 'not-found')
}
