// The Redis stream side: a consumer group gives each entry to one worker and keeps it in the
// group's pending list until the worker acknowledges it, so an entry taken by a worker that dies
// before storing it is still there for the next one.
import type { Redis } from 'ioredis'
import type { StreamEntry } from './votes'

export interface VoteQueue {
  /** Creates the stream and group if absent (after a Redis restart without persistence, too). */
  ensureGroup(): Promise<void>
  /** Entries already delivered to this consumer and not acknowledged (it restarted mid-way). */
  readOwnPending(count: number): Promise<StreamEntry[]>
  /** Entries another consumer has held unacknowledged for longer than minIdleMs. */
  claimAbandoned(minIdleMs: number, count: number): Promise<StreamEntry[]>
  /** New entries, waiting up to blockMs. */
  readNew(count: number, blockMs: number): Promise<StreamEntry[]>
  /** Acknowledge and delete: the stream only holds votes not yet stored. */
  ack(ids: string[]): Promise<void>
}

type ReadReply = [stream: string, entries: StreamEntry[]][] | null

export function redisVoteQueue(redis: Redis, stream: string, group: string, consumer: string): VoteQueue {
  let claimCursor = '0-0'
  return {
    async ensureGroup() {
      try {
        // From id 0: votes queued before the first worker started are not skipped.
        await redis.xgroup('CREATE', stream, group, '0', 'MKSTREAM')
      } catch (e) {
        if (!(e instanceof Error && e.message.startsWith('BUSYGROUP'))) throw e
      }
    },
    async readOwnPending(count) {
      const reply = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', count, 'STREAMS', stream, '0')) as ReadReply
      return reply?.[0]?.[1] ?? []
    },
    async claimAbandoned(minIdleMs, count) {
      const reply = (await redis.xautoclaim(stream, group, consumer, minIdleMs, claimCursor, 'COUNT', count)) as [
        string,
        StreamEntry[],
        string[]?,
      ]
      claimCursor = reply[0]
      // Entries deleted while pending come back as nil and are dropped from the list by Redis.
      return reply[1].filter((entry): entry is StreamEntry => Array.isArray(entry))
    },
    async readNew(count, blockMs) {
      const reply = (await redis.xreadgroup(
        'GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>',
      )) as ReadReply
      return reply?.[0]?.[1] ?? []
    },
    async ack(ids) {
      if (ids.length === 0) return
      const results = await redis.multi().xack(stream, group, ...ids).xdel(stream, ...ids).exec()
      const failed = results?.find(([err]) => err)
      if (!results || failed) throw failed?.[0] ?? new Error('Redis discarded the acknowledgement')
    },
  }
}
