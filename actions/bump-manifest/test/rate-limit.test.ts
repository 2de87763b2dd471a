// The one rule for GitHub's rate-limit answers, with GitHub's documented statuses and headers
// (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit,
// #checking-the-status-of-your-rate-limit for the x-ratelimit-* headers;
// https://docs.github.com/en/graphql/overview/rate-limits-and-query-limits-for-the-graphql-api#exceeding-the-rate-limit)
// and the bodies GitHub sends: "API rate limit exceeded for installation ID 1." (primary) and "You have
// exceeded a secondary rate limit. Please wait a few minutes before you try again. ..." (secondary).
import { describe, expect, it } from 'vitest'
import { answerOf, DEFAULT_RATE_LIMIT_WAIT_MS, describeRateLimit, isRetryableRateLimit, MAX_RATE_LIMIT_WAIT_MS, RateLimitedError, rateLimitedError, rateLimitOf, rethrowRateLimit } from '../src/rate-limit'

const NOW = Date.parse('2026-11-30T08:00:00.000Z')
const RESET = NOW / 1000 + 42 // x-ratelimit-reset: UTC epoch seconds
const PRIMARY = 'API rate limit exceeded for installation ID 1.'
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:1234:5678.'
const exhausted = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': String(RESET), 'x-ratelimit-resource': 'core' }
const plenty = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4990', 'x-ratelimit-used': '10', 'x-ratelimit-reset': String(RESET), 'x-ratelimit-resource': 'core' }

describe('rateLimitOf', () => {
  it.each([403, 429])('a primary limit (%i, remaining 0): wait until x-ratelimit-reset', (status) => {
    expect(rateLimitOf({ status, headers: exhausted, message: PRIMARY }, NOW)).toEqual({ kind: 'primary', status, message: PRIMARY, askedMs: 42_000, basis: 'x-ratelimit-reset', until: NOW + 42_000 })
  })

  it.each([403, 429])('a secondary limit (%i) with retry-after: that many seconds, before anything else', (status) => {
    expect(rateLimitOf({ status, headers: { ...exhausted, 'retry-after': '7' }, message: SECONDARY }, NOW)).toMatchObject({ kind: 'secondary', askedMs: 7000, basis: 'retry-after' })
    expect(rateLimitOf({ status, headers: { ...plenty, 'Retry-After': '30' }, message: SECONDARY }, NOW)).toMatchObject({ kind: 'secondary', askedMs: 30_000, basis: 'retry-after' })
  })

  it('a secondary limit with remaining 0 and no retry-after: until the reset', () => {
    expect(rateLimitOf({ status: 403, headers: exhausted, message: SECONDARY }, NOW)).toMatchObject({ kind: 'secondary', askedMs: 42_000, basis: 'x-ratelimit-reset' })
  })

  it.each([
    ['403 secondary, headers with requests left', 403, plenty, SECONDARY, 'secondary'],
    ['403 secondary, no headers at all', 403, {}, SECONDARY, 'secondary'],
    ['403 primary, no headers at all', 403, {}, PRIMARY, 'primary'],
    ['429 with no headers and no words', 429, {}, 'Too Many Requests', 'secondary'],
    ['403, the older "abuse detection" wording', 403, {}, 'You have triggered an abuse detection mechanism. Please wait a few minutes before you try again.', 'secondary'],
  ] as const)('%s: at least one minute', (_, status, headers, message, kind) => {
    expect(rateLimitOf({ status, headers, message }, NOW)).toMatchObject({ kind, askedMs: DEFAULT_RATE_LIMIT_WAIT_MS, basis: 'no time given: at least one minute' })
  })

  it('reads retry-after as an HTTP-date too, and never asks for a negative wait', () => {
    expect(rateLimitOf({ status: 429, headers: { 'retry-after': new Date(NOW + 5000).toUTCString() }, message: '' }, NOW)?.askedMs).toBe(5000)
    expect(rateLimitOf({ status: 429, headers: { ...exhausted, 'x-ratelimit-reset': String(NOW / 1000 - 10) }, message: PRIMARY }, NOW)?.askedMs).toBe(0)
  })

  it('a GraphQL error answer (200) with remaining 0 or a secondary-limit message', () => {
    expect(rateLimitOf({ status: 200, headers: exhausted, message: PRIMARY }, NOW)).toMatchObject({ kind: 'primary', askedMs: 42_000 })
    expect(rateLimitOf({ status: 200, headers: { ...plenty, 'retry-after': '3' }, message: SECONDARY }, NOW)).toMatchObject({ kind: 'secondary', askedMs: 3000 })
  })

  it.each([
    // https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#resource-not-accessible
    ['a 403 permission error', 403, plenty, 'Resource not accessible by integration'],
    ['a 403 permission error with no headers', 403, {}, 'Must have admin rights to Repository.'],
    ['a 404', 404, exhausted, 'Not Found'],
    ['a 422 ref update refusal', 422, plenty, 'Update is not a fast forward'],
    ['a 500', 500, {}, 'Server Error'],
    ['a GraphQL error with requests left', 200, plenty, 'Could not resolve to a node with the global id of x'],
  ] as const)('%s is no rate limit', (_, status, headers, message) => {
    expect(rateLimitOf({ status, headers, message }, NOW)).toBeUndefined()
  })
})

/** An error as @octokit/request throws it: status, request, response with headers and data. */
const requestError = (status: number, headers: Record<string, string>, message: string) =>
  Object.assign(new Error(message), { name: 'HttpError', status, request: { method: 'PATCH', url: 'https://api.example/repos/octo/gitops/git/refs/heads%2Fmain?x=1', headers: {} }, response: { status, url: '', headers, data: { message, documentation_url: 'https://docs.github.com/rest' } } })

describe('rateLimitedError', () => {
  it('turns an Octokit RequestError into a RateLimitedError naming the request, the limit and the wait', () => {
    const error = rateLimitedError(requestError(403, { ...plenty, 'retry-after': '1' }, SECONDARY), NOW)
    expect(error).toBeInstanceOf(RateLimitedError)
    expect(error?.minDelayMs).toBe(1000)
    expect(isRetryableRateLimit(error)).toBe(true)
    expect(error?.message).toBe(`PATCH /repos/octo/gitops/git/refs/heads/main: GitHub's secondary rate limit (HTTP 403 "${SECONDARY}"): GitHub asks to wait 1 s (retry-after), until 08:00:01 UTC`)
  })

  it('reads a GraphqlResponseError (HTTP 200, errors, headers)', () => {
    const graphql = Object.assign(new Error(PRIMARY), { name: 'GraphqlResponseError', headers: exhausted, errors: [{ type: 'RATE_LIMITED', message: PRIMARY }], data: null })
    expect(answerOf(graphql)).toEqual({ status: 200, headers: exhausted, message: PRIMARY })
    expect(rateLimitedError(graphql, NOW, 'updateRefs')?.message).toMatch(/^updateRefs: GitHub's primary rate limit \(HTTP 200 "API rate limit exceeded for installation ID 1\."\): GitHub asks to wait 42 s \(x-ratelimit-reset\), until 08:00:42 UTC$/)
  })

  it('is not retried when GitHub asks for longer than the cap, and says when the limit resets', () => {
    const far = rateLimitedError(requestError(403, { ...exhausted, 'x-ratelimit-reset': String(NOW / 1000 + 3600) }, PRIMARY), NOW)
    expect(far?.retryable).toBe(false)
    expect(far?.minDelayMs).toBe(0)
    expect(far?.message).toMatch(/asks to wait 3600 s \(x-ratelimit-reset\), until 09:00:00 UTC, longer than the 300 s this step waits for a rate limit: not trying again before the limit resets/)
    // Exactly the cap is still waited.
    expect(rateLimitedError(requestError(429, { 'retry-after': String(MAX_RATE_LIMIT_WAIT_MS / 1000) }, ''), NOW)?.retryable).toBe(true)
  })

  it('leaves every other error alone, and passes a RateLimitedError through as it is', () => {
    expect(rateLimitedError(requestError(403, plenty, 'Resource not accessible by integration'), NOW)).toBeUndefined()
    expect(rateLimitedError(new Error('socket hang up'), NOW)).toBeUndefined()
    expect(rateLimitedError(null, NOW)).toBeUndefined()
    const limited = rateLimitedError(requestError(429, exhausted, PRIMARY), NOW)
    expect(rateLimitedError(limited, NOW + 1)).toBe(limited)
    expect(() => rethrowRateLimit(limited)).toThrow(limited as Error)
    expect(() => rethrowRateLimit(requestError(403, plenty, 'Resource not accessible by integration'), NOW)).not.toThrow()
  })

  it('describes the limit the same way for every caller', () => {
    const limit = rateLimitOf({ status: 429, headers: exhausted, message: PRIMARY }, NOW)!
    expect(describeRateLimit(limit)).toBe(`GitHub's primary rate limit (HTTP 429 "${PRIMARY}"): GitHub asks to wait 42 s (x-ratelimit-reset), until 08:00:42 UTC`)
  })
})
