import { describe, expect, it } from 'vitest'
import { backoffDelay, RetriesExhaustedError, withRetry } from '../src/retry'

class Transient extends Error {}

describe('withRetry', () => {
  const noSleep = async (): Promise<void> => {}

  it('retries transient errors and returns the first success', async () => {
    const delays: number[] = []
    let calls = 0
    const result = await withRetry(
      async (attempt) => {
        calls++
        if (attempt < 3) throw new Transient('busy')
        return 'ok'
      },
      { maxAttempts: 5, isRetryable: (e) => e instanceof Transient, sleep: async (ms) => void delays.push(ms), random: () => 0.5 },
    )
    expect(result).toBe('ok')
    expect(calls).toBe(3)
    expect(delays).toEqual([100, 200])
  })

  it('rethrows a permanent error at once', async () => {
    let calls = 0
    const permanent = new Error('denied')
    await expect(
      withRetry(
        async () => {
          calls++
          throw permanent
        },
        { maxAttempts: 5, isRetryable: () => false, sleep: noSleep },
      ),
    ).rejects.toBe(permanent)
    expect(calls).toBe(1)
  })

  it('gives up after maxAttempts with the last error', async () => {
    const error = await withRetry(
      async () => {
        throw new Transient('still busy')
      },
      { maxAttempts: 3, isRetryable: () => true, sleep: noSleep },
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RetriesExhaustedError)
    expect((error as RetriesExhaustedError).attempts).toBe(3)
    expect((error as Error).message).toMatch(/after 3 attempts: still busy/)
  })

  it('waits as the delayMs schedule says, read before each wait', async () => {
    const delays: number[] = []
    let unit = 100
    await withRetry(
      async (attempt) => {
        unit = attempt * 1000 // a duration measured during the attempt
        if (attempt < 3) throw new Transient('moved')
      },
      {
        maxAttempts: 3,
        isRetryable: () => true,
        delayMs: (attempt) => backoffDelay(attempt, 4, 16, () => 0.5, unit),
        onRetry: (_e, _attempt, delay) => void delays.push(delay),
        sleep: async (ms) => void delays.push(-ms),
      },
    )
    // Attempt 1 measured 1000 ms: 0.5 * 4 units; attempt 2 measured 2000 ms: 0.5 * 8 units. onRetry and sleep see the same wait.
    expect(delays).toEqual([2000, -2000, 8000, -8000])
  })

  it('counts the backoff in units when given one', () => {
    expect(backoffDelay(1, 4, 16, () => 0.5, 150)).toBe(300)
    expect(backoffDelay(5, 4, 16, () => 0.999, 2000)).toBe(31968)
  })

  it('caps the backoff', () => {
    expect(backoffDelay(1, 200, 5000, () => 0.999)).toBe(199)
    expect(backoffDelay(10, 200, 5000, () => 0.999)).toBe(4995)
    expect(backoffDelay(4, 200, 5000, () => 0)).toBe(0)
  })
})
