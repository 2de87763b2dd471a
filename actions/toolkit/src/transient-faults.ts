// Which failed request is worth another try, written once: a table of Node's network error codes
// and one rule for HTTP statuses, each giving a kind of fault, and the set of kinds another attempt
// can help. The yes/no predicates (isTransientNetworkError, isTransientHttpStatus) and the
// registry's fault kinds (registry/faults.ts: token requests, messages the tools print) are all
// derived from here, so a code added to the table counts everywhere. Pure; tested in
// test/transient-faults.test.ts.

/** What went wrong, as far as a caller and its retry policy are concerned. */
export type FaultKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  /** The host name does not resolve (ENOTFOUND, NXDOMAIN): named for the registry, the first caller. */
  | 'unknown-registry'
  | 'dns-temporary'
  | 'unreachable'
  | 'timeout'
  | 'throttled'
  | 'server-error'
  | 'other'

// Auth, a missing object and anything unrecognised will say the same thing on a second try.
const RETRYABLE_KINDS: ReadonlySet<FaultKind> = new Set<FaultKind>(['unreachable', 'dns-temporary', 'timeout', 'throttled', 'server-error'])

/** Whether another attempt can help with a fault of this kind. */
export function isRetryableKind(kind: FaultKind): boolean {
  return RETRYABLE_KINDS.has(kind)
}

/**
 * Node's codes (net, dns, http, undici) for a request that got no HTTP answer, each with its kind.
 * A code not listed is 'other' and not retried: a TLS certificate or protocol error fails the same
 * way again.
 */
export const NETWORK_ERROR_KINDS: ReadonlyMap<string, FaultKind> = new Map<string, FaultKind>([
  // Refused, reset or cut off (a server restarting, a proxy dropping the tunnel): may work next time.
  ['ECONNRESET', 'unreachable'],
  ['ECONNREFUSED', 'unreachable'],
  ['ECONNABORTED', 'unreachable'],
  ['EPIPE', 'unreachable'],
  ['EHOSTUNREACH', 'unreachable'],
  ['ENETUNREACH', 'unreachable'],
  ['UND_ERR_SOCKET', 'unreachable'],
  ['ETIMEDOUT', 'timeout'],
  ['ESOCKETTIMEDOUT', 'timeout'],
  ['UND_ERR_CONNECT_TIMEOUT', 'timeout'],
  // getaddrinfo: EAI_AGAIN is a resolver that did not answer, which may answer next time; ENOTFOUND
  // is an answer (no such name) that will not change.
  ['EAI_AGAIN', 'dns-temporary'],
  ['ENOTFOUND', 'unknown-registry'],
])

/** The kind of a request that got no HTTP answer, by Node's error code ('other' for a code not in the table). */
export function networkErrorKind(code: string): FaultKind {
  return NETWORK_ERROR_KINDS.get(code) ?? 'other'
}

/** The table's codes of one kind, e.g. for recognising them in a message that quotes them. */
export function networkErrorCodes(kind: FaultKind): string[] {
  return [...NETWORK_ERROR_KINDS].filter(([, k]) => k === kind).map(([code]) => code)
}

/** The kind of a thrown error by its `code`, undefined when it has no code the table knows. */
export function thrownNetworkErrorKind(error: unknown): FaultKind | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? NETWORK_ERROR_KINDS.get(code) : undefined
}

/** Network errors worth another try (connection refused or reset, timeouts, a resolver that did not answer). */
export function isTransientNetworkError(error: unknown): boolean {
  const kind = thrownNetworkErrorKind(error)
  return kind !== undefined && isRetryableKind(kind)
}

/** The statuses with a kind of their own; any other 5xx is a server error, anything else 'other'. */
export const HTTP_STATUS_KINDS: ReadonlyMap<number, FaultKind> = new Map<number, FaultKind>([
  [401, 'unauthorized'],
  [403, 'forbidden'],
  [404, 'not-found'],
  // 408 Request Timeout: the server gave up waiting (RFC 9110 section 15.5.9), so the request may be repeated.
  [408, 'timeout'],
  [429, 'throttled'],
])

// The server-error range, as numbers for httpStatusKind and as text for TRANSIENT_HTTP_STATUS_PATTERN.
const SERVER_ERRORS = { from: 500, to: 599, pattern: '5[0-9]{2}' }

/** The kind of an HTTP error status. */
export function httpStatusKind(status: number): FaultKind {
  return HTTP_STATUS_KINDS.get(status) ?? (status >= SERVER_ERRORS.from && status <= SERVER_ERRORS.to ? 'server-error' : 'other')
}

/** The statuses HTTP_STATUS_KINDS gives one kind (the 5xx range aside), e.g. for recognising them in a tool's text. */
export function httpStatuses(kind: FaultKind): number[] {
  return [...HTTP_STATUS_KINDS].filter(([, k]) => k === kind).map(([status]) => status)
}

/** HTTP statuses worth another try: a request timeout (408), throttling (429) and server-side failures (5xx). */
export function isTransientHttpStatus(status: number): boolean {
  return isRetryableKind(httpStatusKind(status))
}

/** The transient statuses as a regular-expression alternative ("408|429|5[0-9]{2}"), for a tool that prints the status it got (git's "RPC failed; HTTP 503"). */
export const TRANSIENT_HTTP_STATUS_PATTERN = [...[...HTTP_STATUS_KINDS].filter(([, kind]) => isRetryableKind(kind)).map(([status]) => String(status)), SERVER_ERRORS.pattern].join('|')
