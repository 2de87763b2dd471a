// The GitHub calls outside publish()'s and the status wait's own loops (opening or updating the pull
// request, arming auto-merge, reading the run's jobs) made again after a rate limit, no sooner than
// GitHub asked (the toolkit's withRetry honours the RateLimitedError's minDelayMs). Only rate limits:
// every other error leaves as it came.
import * as core from '@actions/core'
import { errorMessage, withRetry } from '@aks-gitops/toolkit'
import { isRetryableRateLimit, waitingText } from './rate-limit'

/** Requests per call at most: GitHub asks to back off further each time a secondary limit persists, so a few and then the error. */
export const RATE_LIMIT_ATTEMPTS = 3

export function afterRateLimits<T>(call: () => Promise<T>, sleep?: (ms: number) => Promise<void>): Promise<T> {
  return withRetry(() => call(), {
    maxAttempts: RATE_LIMIT_ATTEMPTS,
    // No wait of its own: only the one GitHub asked for.
    delayMs: () => 0,
    isRetryable: isRetryableRateLimit,
    onRetry: (error, attempt, delay) => core.info(`${errorMessage(error)}; ${waitingText(delay)} before request ${attempt + 1} of ${RATE_LIMIT_ATTEMPTS}`),
    sleep,
  })
}
