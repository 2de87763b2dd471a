// Capped exponential backoff with full jitter for reconnect loops.

export interface BackoffOptions {
  initialMs: number
  maxMs: number
  random?: () => number
}

export function backoffDelay(attempt: number, { initialMs, maxMs, random = Math.random }: BackoffOptions): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempt))
  // Half fixed, half random: never zero, yet replicas do not retry in lockstep.
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve()
    const timer = setTimeout(done, ms)
    function done() {
      clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolve()
    }
    signal?.addEventListener('abort', done, { once: true })
  })
}
