// The worker's loop: take a batch (own pending first, then abandoned, then new), store it in
// PostgreSQL, then acknowledge. A failure anywhere leaves the batch pending in Redis and waits with
// backoff; the next round retries the same entries, so nothing taken is lost.
import { backoffDelay, errorMessage, sleep, type Logger } from '@aks-gitops/app-shared'
import type { VoteQueue } from './queue'
import { latestPerVoter, parseEntries, type StreamEntry, type Vote } from './votes'

export interface VoteSink {
  ensureSchema(): Promise<void>
  store(votes: Vote[]): Promise<number>
}

export interface LoopOptions {
  queue: VoteQueue
  sink: VoteSink
  logger: Logger
  batchSize: number
  blockMs: number
  claimIdleMs: number
  backoff: { initialMs: number; maxMs: number }
  signal: AbortSignal
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>
}

export interface LoopStats {
  stored: number
  acknowledged: number
  failures: number
}

/**
 * Settles with the promise, or rejects as soon as the signal aborts: a Redis command queued while
 * Redis is away would otherwise keep shutdown waiting until it comes back.
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.catch(() => undefined)
    return Promise.reject(new Error('aborted'))
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('aborted'))
    signal.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort))
  })
}

export async function runLoop(options: LoopOptions): Promise<LoopStats> {
  const { logger, signal } = options
  const queue = abortableQueue(options.queue, signal)
  const sink = options.sink
  const wait = options.sleep ?? sleep
  const stats: LoopStats = { stored: 0, acknowledged: 0, failures: 0 }
  let ready = false
  let attempt = 0
  let lastClaim = 0
  while (!signal.aborted) {
    try {
      if (!ready) {
        await queue.ensureGroup()
        await sink.ensureSchema()
        ready = true
        if (attempt > 0) logger.info('Redis and PostgreSQL reachable again', { afterAttempts: attempt })
        else logger.info('consuming votes')
      }
      let source = 'pending'
      let entries: StreamEntry[] = await queue.readOwnPending(options.batchSize)
      if (entries.length === 0 && Date.now() - lastClaim >= Math.min(options.claimIdleMs, 5000)) {
        lastClaim = Date.now()
        source = 'claimed'
        entries = await queue.claimAbandoned(options.claimIdleMs, options.batchSize)
      }
      if (entries.length === 0 && !signal.aborted) {
        source = 'new'
        entries = await queue.readNew(options.batchSize, options.blockMs)
      }
      if (entries.length > 0) await processBatch(entries, source, { ...options, queue, sink }, stats)
      attempt = 0
    } catch (e) {
      if (signal.aborted) break
      // Re-check the group and schema after a failure: either server may have come back empty.
      ready = false
      stats.failures++
      const delay = backoffDelay(attempt++, { initialMs: options.backoff.initialMs, maxMs: options.backoff.maxMs })
      logger.warn('vote processing failed, retrying', { error: errorMessage(e), attempt, retryInMs: delay })
      await wait(delay, signal)
    }
  }
  return stats
}

async function processBatch(entries: StreamEntry[], source: string, options: LoopOptions, stats: LoopStats): Promise<void> {
  const batch = parseEntries(entries)
  for (const id of batch.invalid) options.logger.warn('dropping an entry that is not a vote', { id })
  const votes = latestPerVoter(batch.votes)
  const changed = await options.sink.store(votes)
  await options.queue.ack(batch.ids)
  stats.stored += changed
  stats.acknowledged += batch.ids.length
  options.logger.info('votes stored', { source, entries: batch.ids.length, voters: votes.length, changedRows: changed })
}

function abortableQueue(queue: VoteQueue, signal: AbortSignal): VoteQueue {
  return {
    ensureGroup: () => untilAborted(queue.ensureGroup(), signal),
    readOwnPending: (count) => untilAborted(queue.readOwnPending(count), signal),
    claimAbandoned: (minIdleMs, count) => untilAborted(queue.claimAbandoned(minIdleMs, count), signal),
    readNew: (count, blockMs) => untilAborted(queue.readNew(count, blockMs), signal),
    ack: (ids) => untilAborted(queue.ack(ids), signal),
  }
}
