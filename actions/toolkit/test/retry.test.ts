import { describe, expect, it } from 'vitest'
import { backoffDelay, RetriesExhaustedError, serverDelayMs, withRetry } from '../src/retry'

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

  it('waits at least what the server asked for (minDelayMs on the error), and keeps the schedule when it asked for less', async () => {
    const delays: number[] = []
    const asked = [5000, 10, undefined]
    const result = await withRetry(
      async (attempt) => {
        if (attempt <= asked.length) throw Object.assign(new Transient('rate limited'), asked[attempt - 1] === undefined ? {} : { minDelayMs: asked[attempt - 1] })
        return 'ok'
      },
      { maxAttempts: 5, isRetryable: () => true, delayMs: (attempt) => attempt * 100, onRetry: (_e, _n, delay) => void delays.push(delay), sleep: async (ms) => void delays.push(-ms) },
    )
    expect(result).toBe('ok')
    // Attempt 1: the server's 5000 ms over the schedule's 100; attempt 2: the schedule's 200 over 10; attempt 3: no server wait, the schedule's 300.
    expect(delays).toEqual([5000, -5000, 200, -200, 300, -300])
  })

  it('reads a server-given wait only from a finite positive minDelayMs', () => {
    expect(serverDelayMs(Object.assign(new Error('x'), { minDelayMs: 1500 }))).toBe(1500)
    for (const value of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '1500', undefined]) expect(serverDelayMs(Object.assign(new Error('x'), { minDelayMs: value }))).toBe(0)
    expect(serverDelayMs(null)).toBe(0)
    expect(serverDelayMs('text')).toBe(0)
  })

  it('never waits for a server-given delay on an error it does not retry', async () => {
    const waits: number[] = []
    const refused = Object.assign(new Error('denied'), { minDelayMs: 60_000 })
    await expect(withRetry(async () => Promise.reject(refused), { maxAttempts: 3, isRetryable: () => false, sleep: async (ms) => void waits.push(ms) })).rejects.toBe(refused)
    expect(waits).toEqual([])
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
