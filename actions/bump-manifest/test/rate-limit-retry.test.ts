// afterRateLimits: the calls outside publish()'s and the status wait's loops, made again after a
// rate limit only, waiting what GitHub asked (the error's minDelayMs, through the toolkit's withRetry).
import { describe, expect, it } from 'vitest'
import { RetriesExhaustedError } from '@aks-gitops/toolkit'
import { RateLimitedError, rateLimitOf } from '../src/rate-limit'
import { afterRateLimits, RATE_LIMIT_ATTEMPTS } from '../src/rate-limit-retry'

const NOW = Date.parse('2026-11-30T08:00:00.000Z')
const limited = (retryAfter: number) => new RateLimitedError(rateLimitOf({ status: 403, headers: { 'retry-after': String(retryAfter) }, message: 'You have exceeded a secondary rate limit.' }, NOW)!, 'POST /repos/octo/gitops/pulls')

describe('afterRateLimits', () => {
  it('calls again after a rate limit, waiting exactly what GitHub asked', async () => {
    const waits: number[] = []
    let calls = 0
    const result = await afterRateLimits(
      async () => {
        if (++calls === 1) throw limited(7)
        return 'opened'
      },
      async (ms) => void waits.push(ms),
    )
    expect(result).toBe('opened')
    expect(waits).toEqual([7000])
  })

  it('passes every other error through at once, and gives up after a few rate limits', async () => {
    const refused = new Error('pull request not opened (HTTP 403 "Resource not accessible by integration")')
    const waits: number[] = []
    await expect(afterRateLimits(async () => Promise.reject(refused), async (ms) => void waits.push(ms))).rejects.toBe(refused)
    expect(waits).toEqual([])
    const error = await afterRateLimits(async () => Promise.reject(limited(1)), async (ms) => void waits.push(ms)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetriesExhaustedError)
    expect(waits).toEqual(Array(RATE_LIMIT_ATTEMPTS - 1).fill(1000))
  })

  it('does not call again when GitHub asked for longer than the cap', async () => {
    const far = limited(3600)
    let calls = 0
    await expect(afterRateLimits(async () => Promise.reject((calls++, far)), async () => undefined)).rejects.toBe(far)
    expect(calls).toBe(1)
  })
})
