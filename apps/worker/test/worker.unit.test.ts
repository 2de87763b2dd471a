import { describe, expect, it } from 'vitest'
import { createLogger } from '@aks-gitops/app-shared'
import { loadConfig } from '../src/config'
import { upsertParams } from '../src/db'
import { runLoop, untilAborted, type VoteSink } from '../src/loop'
import type { VoteQueue } from '../src/queue'
import { latestPerVoter, parseEntries, parseStreamId, type StreamEntry } from '../src/votes'

describe('stream entries', () => {
  it('parses votes, keeps invalid ids for acknowledgement', () => {
    const batch = parseEntries([
      ['10-0', ['voter', 'v1', 'vote', 'a']],
      ['11-2', ['vote', 'b', 'voter', 'v2']],
      ['12-0', ['voter', 'v3', 'vote', 'c']],
      ['13-0', null],
      ['bad', ['voter', 'v4', 'vote', 'a']],
    ])
    expect(batch.votes).toEqual([
      { voter: 'v1', vote: 'a', versionMs: 10n, versionSeq: 0n },
      { voter: 'v2', vote: 'b', versionMs: 11n, versionSeq: 2n },
    ])
    expect(batch.invalid).toEqual(['12-0', '13-0', 'bad'])
    expect(batch.ids).toHaveLength(5)
    expect(parseStreamId('1700000000000-15')).toEqual({ ms: 1700000000000n, seq: 15n })
  })

  it('keeps the latest vote per visitor by stream id, whatever the order', () => {
    const { votes } = parseEntries([
      ['20-1', ['voter', 'v1', 'vote', 'b']],
      ['20-0', ['voter', 'v1', 'vote', 'a']],
      ['19-9', ['voter', 'v2', 'vote', 'a']],
      ['21-0', ['voter', 'v2', 'vote', 'b']],
    ])
    expect(latestPerVoter(votes).map((v) => [v.voter, v.vote])).toEqual([['v1', 'b'], ['v2', 'b']])
    expect(upsertParams(latestPerVoter(votes))).toEqual([['v1', 'v2'], ['b', 'b'], ['20', '21'], ['1', '0']])
  })
})

describe('loop', () => {
  const logger = createLogger('test', 'error', () => undefined)

  function fakes(script: { failStores?: number; entries: StreamEntry[][] }) {
    const calls: string[] = []
    const stored: string[][] = []
    const acked: string[][] = []
    let storeFailures = script.failStores ?? 0
    const controller = new AbortController()
    const queue: VoteQueue = {
      ensureGroup: async () => void calls.push('group'),
      readOwnPending: async () => {
        calls.push('pending')
        // After a failed store the batch is still pending: hand it back.
        return storeFailures < (script.failStores ?? 0) && stored.length === 0 && acked.length === 0 && lastBatch ? lastBatch : []
      },
      claimAbandoned: async () => (calls.push('claim'), []),
      readNew: async () => {
        calls.push('new')
        const next = script.entries.shift()
        if (!next) controller.abort()
        lastBatch = next
        return next ?? []
      },
      ack: async (ids) => void acked.push(ids),
    }
    let lastBatch: StreamEntry[] | undefined
    const sink: VoteSink = {
      ensureSchema: async () => void calls.push('schema'),
      store: async (votes) => {
        if (storeFailures > 0) {
          storeFailures--
          throw new Error('connection refused')
        }
        stored.push(votes.map((v) => `${v.voter}=${v.vote}`))
        return votes.length
      },
    }
    return { calls, stored, acked, queue, sink, controller }
  }

  it('stores then acknowledges each batch', async () => {
    const f = fakes({ entries: [[['1-0', ['voter', 'a1', 'vote', 'a']], ['2-0', ['voter', 'a1', 'vote', 'b']]]] })
    const stats = await runLoop({ ...f, logger, batchSize: 10, blockMs: 1, claimIdleMs: 0, backoff: { initialMs: 1, maxMs: 1 }, signal: f.controller.signal })
    expect(f.stored).toEqual([['a1=b']])
    expect(f.acked).toEqual([['1-0', '2-0']])
    expect(stats).toEqual({ stored: 1, acknowledged: 2, failures: 0 })
    expect(f.calls.slice(0, 5)).toEqual(['group', 'schema', 'pending', 'claim', 'new'])
  })

  it('does not acknowledge a batch it could not store; it retries it after a backoff', async () => {
    const f = fakes({ failStores: 2, entries: [[['5-0', ['voter', 'z', 'vote', 'a']]]] })
    const sleeps: number[] = []
    const stats = await runLoop({
      ...f, logger, batchSize: 10, blockMs: 1, claimIdleMs: 0, backoff: { initialMs: 100, maxMs: 1000 },
      signal: f.controller.signal, sleep: async (ms) => void sleeps.push(ms),
    })
    expect(stats.failures).toBe(2)
    expect(sleeps).toHaveLength(2)
    expect(sleeps[1]!).toBeGreaterThanOrEqual(100) // the second wait is longer (attempt 1: 100-200 ms)
    expect(f.stored).toEqual([['z=a']])
    expect(f.acked).toEqual([['5-0']])
    // After each failure the group and schema are checked again before reading.
    expect(f.calls.filter((c) => c === 'schema')).toHaveLength(3)
  })

  it('gives up waiting on a queue call when shutdown aborts', async () => {
    const controller = new AbortController()
    const never = new Promise<string>(() => undefined)
    const waiting = untilAborted(never, controller.signal)
    controller.abort()
    await expect(waiting).rejects.toThrow('aborted')
    await expect(untilAborted(Promise.resolve('ok'), new AbortController().signal)).resolves.toBe('ok')
    await expect(untilAborted(Promise.reject(new Error('boom')), new AbortController().signal)).rejects.toThrow('boom')
  })

  it('has defaults for every setting', () => {
    expect(loadConfig({ CONSUMER_NAME: 'w' })).toMatchObject({ stream: 'votes', group: 'worker', consumer: 'w', batchSize: 100, claimIdleMs: 30000 })
  })
})
