// GitHub's rate limits, one rule for every API path of the action (ref updates and reads, pull
// requests, commit statuses, run jobs): which answer is a rate limit, and how long GitHub asks to
// wait before the next request. Pure (the clock is a parameter); github() turns every such answer
// into a RateLimitedError, and each caller's loop waits what it carries.
//
// GitHub's documented rules (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit,
// https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#rate-limit-errors,
// https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#handle-rate-limit-errors-appropriately):
// - primary limit: 403 or 429 with `x-ratelimit-remaining: 0`; no request before `x-ratelimit-reset` (UTC epoch seconds);
// - secondary limit: 403 or 429 with a message saying so; `retry-after` (seconds) when present, else the
//   reset when remaining is 0, else at least one minute;
// - GraphQL answers its primary limit with 200, an error and `x-ratelimit-remaining: 0`, a secondary
//   limit with 200 or 403 and a message saying so, the waits as above
//   (https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#exceeding-the-rate-limit);
// - "Continuing to make requests while you are rate limited may result in the banning of your
//   integration": so no request is made before the time GitHub names, and when that is further
//   away than MAX_RATE_LIMIT_WAIT_MS the step fails at once, naming when the limit resets.
import { errorMessage } from '@aks-gitops/toolkit'

/** The longest single wait for a rate limit: longer than a secondary limit's minute, short enough for a CI step. */
export const MAX_RATE_LIMIT_WAIT_MS = 5 * 60_000
/** A secondary limit that names no time: "wait for at least one minute before retrying". */
export const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000

export interface GitHubAnswer {
  /** HTTP status (200 for a GraphQL error answer). */
  status: number
  /** Response headers, any case. */
  headers: Readonly<Record<string, unknown>>
  /** GitHub's `message` (or the GraphQL errors' messages). */
  message: string
}

export interface RateLimit {
  kind: 'primary' | 'secondary'
  status: number
  message: string
  /** How long GitHub asks to wait before the next request, ms. */
  askedMs: number
  /** Where that wait comes from. */
  basis: 'retry-after' | 'x-ratelimit-reset' | 'no time given: at least one minute'
  /** When GitHub allows the next request, epoch ms. */
  until: number
}

// "You have exceeded a secondary rate limit..." (older answers: "You have triggered an abuse detection mechanism");
// the primary limit's "API rate limit exceeded for user ID 1." / "... for installation ID 1.".
const SECONDARY_MESSAGE = /secondary rate limit|abuse detection mechanism/i
const PRIMARY_MESSAGE = /rate limit exceeded/i

function header(headers: Readonly<Record<string, unknown>>, name: string): string | undefined {
  const found = Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1]
  return found === undefined || found === null ? undefined : String(found).trim()
}

/** retry-after in ms: delay-seconds, or an HTTP-date (RFC 9110 section 10.2.3); undefined when absent or unreadable. */
function retryAfterMs(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined || value === '') return undefined
  if (/^\d+$/.test(value)) return Number(value) * 1000
  const date = Date.parse(value)
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs)
}

/** The rate limit an answer reports, with the wait GitHub asks for; undefined for any other answer (a plain 403 among them). */
export function rateLimitOf(answer: GitHubAnswer, nowMs: number): RateLimit | undefined {
  const { status, headers, message } = answer
  const exhausted = header(headers, 'x-ratelimit-remaining') === '0'
  const retryAfter = retryAfterMs(header(headers, 'retry-after'), nowMs)
  const said = SECONDARY_MESSAGE.test(message) ? 'secondary' : PRIMARY_MESSAGE.test(message) ? 'primary' : undefined
  const limited =
    status === 429 ||
    // A 403 is a permission error unless the headers or the message say rate limit.
    (status === 403 && (exhausted || retryAfter !== undefined || said !== undefined)) ||
    // GraphQL's errors come with 200.
    (status === 200 && (exhausted || said !== undefined))
  if (!limited) return undefined
  const kind = said ?? (exhausted ? 'primary' : 'secondary')
  const reset = Number(header(headers, 'x-ratelimit-reset'))
  const wait: Pick<RateLimit, 'askedMs' | 'basis'> =
    retryAfter !== undefined
      ? { askedMs: retryAfter, basis: 'retry-after' }
      : exhausted && Number.isFinite(reset) && reset > 0
        ? { askedMs: Math.max(0, reset * 1000 - nowMs), basis: 'x-ratelimit-reset' }
        : { askedMs: DEFAULT_RATE_LIMIT_WAIT_MS, basis: 'no time given: at least one minute' }
  return { kind, status, message, ...wait, until: nowMs + wait.askedMs }
}

/**
 * The answer an Octokit error carries: a RequestError (REST, or GraphQL refused over HTTP) has
 * `status` and `response.headers`; a GraphqlResponseError (HTTP 200 with `errors`) has `headers`.
 */
export function answerOf(error: unknown): GitHubAnswer | undefined {
  const e = error as { status?: unknown; headers?: unknown; errors?: unknown; response?: { headers?: unknown; data?: { message?: unknown } } } | null
  if (typeof e?.status === 'number' && e.response && typeof e.response.headers === 'object' && e.response.headers !== null) {
    const data = e.response.data?.message
    return { status: e.status, headers: e.response.headers as Record<string, unknown>, message: typeof data === 'string' ? data : errorMessage(error) }
  }
  if (Array.isArray(e?.errors) && typeof e.headers === 'object' && e.headers !== null) {
    return { status: 200, headers: e.headers as Record<string, unknown>, message: (e.errors as { message?: unknown }[]).map((x) => String(x.message ?? '')).join('; ') }
  }
  return undefined
}

const seconds = (ms: number): string => `${Math.ceil(ms / 1000)} s`
const clock = (ms: number): string => `${new Date(ms).toISOString().slice(11, 19)} UTC`

/** What GitHub asked for, in words for the log and the failure: the limit, its answer, the wait and until when. */
export function describeRateLimit(limit: RateLimit): string {
  const asked = `GitHub's ${limit.kind} rate limit (HTTP ${limit.status} "${limit.message.trim()}"): GitHub asks to wait ${seconds(limit.askedMs)} (${limit.basis}), until ${clock(limit.until)}`
  if (limit.askedMs <= MAX_RATE_LIMIT_WAIT_MS) return asked
  return `${asked}, longer than the ${seconds(MAX_RATE_LIMIT_WAIT_MS)} this step waits for a rate limit: not trying again before the limit resets (requests made while rate limited may get the token's integration banned)`
}

/** How long the step waits, for the log. */
export function waitingText(delayMs: number): string {
  return `waiting ${(delayMs / 1000).toFixed(1)} s`
}

/** A request GitHub refused for a rate limit. `minDelayMs` is the wait before the next one (the toolkit's withRetry honours it). */
export class RateLimitedError extends Error {
  override name = 'RateLimitedError'
  /** Another request may follow after minDelayMs; false when GitHub asked for longer than MAX_RATE_LIMIT_WAIT_MS. */
  readonly retryable: boolean
  readonly minDelayMs: number
  constructor(
    readonly limit: RateLimit,
    readonly what: string,
  ) {
    super(`${what}: ${describeRateLimit(limit)}`)
    this.retryable = limit.askedMs <= MAX_RATE_LIMIT_WAIT_MS
    this.minDelayMs = this.retryable ? limit.askedMs : 0
  }
}

/** The RateLimitedError for an error that is a rate-limit answer (or already is one), else undefined. */
export function rateLimitedError(error: unknown, nowMs: number, what?: string): RateLimitedError | undefined {
  if (error instanceof RateLimitedError) return error
  const answer = answerOf(error)
  const limit = answer && rateLimitOf(answer, nowMs)
  if (!limit) return undefined
  const request = (error as { request?: { method?: unknown; url?: unknown } } | null)?.request
  const path = typeof request?.url === 'string' ? request.url.replace(/^[a-z]+:\/\/[^/]+/i, '').replace(/\?.*$/, '') : ''
  return new RateLimitedError(limit, what ?? (path ? `${String(request?.method ?? 'GET')} ${decodeURIComponent(path)}` : 'GitHub API request'))
}

/** For a catch block that sorts GitHub's refusals: a rate limit is not one of them, so it leaves as a RateLimitedError. */
export function rethrowRateLimit(error: unknown, nowMs = Date.now()): void {
  const limited = rateLimitedError(error, nowMs)
  if (limited) throw limited
}

/** Whether another request may follow a rate limit (after its minDelayMs). */
export function isRetryableRateLimit(error: unknown): boolean {
  return error instanceof RateLimitedError && error.retryable
}
