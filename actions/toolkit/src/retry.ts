// One retry helper for every action: capped, jittered exponential backoff, and only
// for errors the caller classifies as transient (which network errors and HTTP statuses
// are: transient-faults.ts). Auth errors, protected branches and bad input never change
// on a second try, so they are never retried. A server that says how long to wait (a rate limit's
// retry-after) is obeyed: the error carries that wait as `minDelayMs`, and no schedule waits less.
import { errorMessage } from './errors'

export interface RetryOptions {
  /** Total attempts, including the first. */
  maxAttempts: number
  /** Wait before the second attempt, in ms; doubles each time up to maxDelayMs. */
  baseDelayMs?: number
  maxDelayMs?: number
  /**
   * The schedule: the wait after failed attempt `attempt`, in ms. Defaults to
   * backoffDelay(attempt, baseDelayMs, maxDelayMs, random); give it when the wait depends on
   * something measured at run time (e.g. in units of the last attempt's duration).
   */
  delayMs?: (attempt: number) => number
  /** Whether an error is worth another attempt. */
  isRetryable: (error: unknown) => boolean
  /** Called before each wait, e.g. to log; `delayMs` is the wait itself (the schedule's, or the server's when longer). */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

export class RetriesExhaustedError extends Error {
  override name = 'RetriesExhaustedError'
  constructor(
    readonly attempts: number,
    readonly lastError: unknown,
  ) {
    super(
      `gave up after ${attempts} attempt${attempts === 1 ? '' : 's'}: ${errorMessage(lastError)}`,
    )
  }
}

/** Waits `ms` milliseconds on the real clock: what every injectable `sleep` defaults to. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * The wait a server asked for, carried by the error of its answer (`minDelayMs`, e.g. a rate limit's
 * retry-after in ms); 0 when the error carries none. withRetry never waits less than this.
 */
export function serverDelayMs(error: unknown): number {
  const ms = (error as { minDelayMs?: unknown } | null)?.minDelayMs
  return typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? ms : 0
}

/**
 * "Full jitter" backoff: a random wait between 0 and min(max, base * 2^(attempt-1)), in ms; with
 * `unitMs`, base and max count units of that many ms instead (a schedule that scales with a
 * measured duration).
 */
export function backoffDelay(attempt: number, baseDelay: number, maxDelay: number, random: () => number, unitMs = 1): number {
  const ceiling = Math.min(maxDelay, baseDelay * 2 ** (attempt - 1))
  return Math.floor(random() * ceiling * unitMs)
}

/**
 * Runs `fn(attempt)` until it succeeds, a non-retryable error is thrown (rethrown as is),
 * or maxAttempts is reached (RetriesExhaustedError wrapping the last error).
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { maxAttempts, baseDelayMs = 200, maxDelayMs = 5000, isRetryable } = options
  const wait = options.sleep ?? sleep
  const random = options.random ?? Math.random
  const delayMs = options.delayMs ?? ((attempt: number) => backoffDelay(attempt, baseDelayMs, maxDelayMs, random))
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt)
    } catch (error) {
      if (!isRetryable(error)) throw error
      if (attempt >= maxAttempts) throw new RetriesExhaustedError(attempt, error)
      // The schedule's wait, or longer when the server asked for longer (the schedule is unchanged otherwise).
      const delay = Math.max(delayMs(attempt), serverDelayMs(error))
      options.onRetry?.(error, attempt, delay)
      await wait(delay)
    }
  }
}
