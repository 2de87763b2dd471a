// The worker against real Redis and PostgreSQL: votes move across, one row per visitor, the latest
// choice wins, and votes a worker took but had not stored survive it being killed.
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest'
import { Redis } from 'ioredis'
import pg from 'pg'
import { bundleApp, createDatabase, pgEnv, startApp, waitUntil, type RunningApp } from '@aks-gitops/app-shared/testing'

const redisUrl = inject('redisUrl')
const server = inject('postgres')
let bundle: string
let redis: Redis
const running: RunningApp[] = []

beforeAll(async () => {
  bundle = await bundleApp('worker')
  redis = new Redis(redisUrl)
})
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.stop('SIGKILL')))
})
afterAll(async () => {
  redis.disconnect()
})

async function setup(prefix: string) {
  const database = await createDatabase(server, prefix)
  const db = new pg.Pool({ ...server, database, max: 2 })
  const stream = `votes-${prefix}-${Math.random().toString(36).slice(2, 8)}`
  const start = async (env: Record<string, string> = {}) => {
    const app = await startApp('worker', bundle, {
      REDIS_URL: redisUrl, ...pgEnv(server, database), VOTE_STREAM: stream, PORT: '0', BLOCK_MS: '200',
      BACKOFF_INITIAL_MS: '50', BACKOFF_MAX_MS: '500', ...env,
    })
    running.push(app)
    return app
  }
  const rows = async () => (await db.query<{ id: string; vote: string }>('SELECT id, vote FROM votes ORDER BY id')).rows
  const count = async () => Number((await db.query('SELECT count(*) AS n FROM votes')).rows[0].n)
  return { database, db, stream, start, rows, count }
}

async function cast(stream: string, votes: [voter: string, vote: string][]): Promise<void> {
  const multi = redis.multi()
  for (const [voter, vote] of votes) multi.xadd(stream, '*', 'voter', voter, 'vote', vote)
  await multi.exec()
}

describe('worker', () => {
  it('creates the schema, stores one row per visitor with the latest choice, and empties the stream', async () => {
    const t = await setup('basic')
    // Queued before the worker ever ran: the group starts at the beginning of the stream.
    await cast(t.stream, [['alice', 'a'], ['bob', 'b'], ['alice', 'b'], ['carol', 'a'], ['not-a-vote', 'c']])
    const worker = await t.start()
    await waitUntil('three rows', async () => (await t.count()) === 3 || undefined)
    await cast(t.stream, [['bob', 'a']])
    await waitUntil('bob changed his mind', async () => (await t.rows()).find((r) => r.id === 'bob')?.vote === 'a' || undefined)
    expect(await t.rows()).toEqual([
      { id: 'alice', vote: 'b' },
      { id: 'bob', vote: 'a' },
      { id: 'carol', vote: 'a' },
    ])
    await waitUntil('stream emptied', async () => (await redis.xlen(t.stream)) === 0 || undefined)
    await worker.waitForLog((l) => l.msg === 'dropping an entry that is not a vote')
    // SIGTERM: the loop finishes and the process exits 0.
    expect(await worker.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    expect(worker.logs.some((l) => l.msg === 'stopped cleanly')).toBe(true)
    await t.db.end()
  })

  it('loses no vote when killed mid-batch: the restarted worker stores what the dead one had taken', async () => {
    const t = await setup('crash')
    const first = await t.start({ CONSUMER_NAME: 'worker-0', BATCH_SIZE: '25' })
    await cast(t.stream, [['warmup', 'a']])
    await waitUntil('schema and first row', async () => (await t.count()) === 1 || undefined)

    // Hold a lock on the table so the worker's next upsert blocks after it has taken a batch.
    const locker = await t.db.connect()
    await locker.query('BEGIN')
    await locker.query('LOCK TABLE votes IN ACCESS EXCLUSIVE MODE')
    const votes: [string, string][] = Array.from({ length: 200 }, (_, i) => [`v${i % 120}`, i % 3 === 0 ? 'a' : 'b'])
    await cast(t.stream, votes)
    const pending = await waitUntil('entries taken, not acknowledged', async () => {
      const [n] = (await redis.xpending(t.stream, 'worker')) as [number]
      return n > 0 ? n : undefined
    })
    expect(pending).toBeGreaterThan(0)
    // Nothing from the taken batch is stored when the worker dies (the locker's view).
    expect(Number((await locker.query('SELECT count(*) AS n FROM votes')).rows[0].n)).toBe(1)
    expect(await first.stop('SIGKILL')).toMatchObject({ signal: 'SIGKILL' })
    // The dead worker's upsert may still commit once the lock goes (its server process has not
    // noticed yet): that batch is then stored but unacknowledged, and redelivered harmlessly.
    await locker.query('ROLLBACK')
    locker.release()

    // A new pod has a new name: it claims the dead consumer's entries once they are idle.
    await t.start({ CONSUMER_NAME: 'worker-1', CLAIM_IDLE_MS: '300', BATCH_SIZE: '25' })
    const latest = new Map<string, string>()
    for (const [voter, vote] of votes) latest.set(voter, vote)
    await waitUntil('all voters stored', async () => (await t.count()) === latest.size + 1 || undefined, 20000)
    for (const row of await t.rows()) if (row.id !== 'warmup') expect(row.vote).toBe(latest.get(row.id))
    await waitUntil('nothing pending', async () => ((await redis.xpending(t.stream, 'worker')) as [number])[0] === 0 || undefined)
    await t.db.end()
  })

  it('picks up its own unacknowledged entries when restarted under the same name', async () => {
    const t = await setup('own')
    // A worker that took entries and died: reading them as consumer "worker-0" without acknowledging.
    await redis.xgroup('CREATE', t.stream, 'worker', '0', 'MKSTREAM')
    await cast(t.stream, [['x1', 'a'], ['x2', 'b'], ['x3', 'a']])
    await redis.xreadgroup('GROUP', 'worker', 'worker-0', 'COUNT', 10, 'STREAMS', t.stream, '>')
    // A long claim idle time: only the own-pending path can store these quickly.
    const worker = await t.start({ CONSUMER_NAME: 'worker-0', CLAIM_IDLE_MS: '600000' })
    await waitUntil('three rows', async () => (await t.count()) === 3 || undefined)
    // The log line follows the commit and the acknowledgement: wait for it rather than race it.
    expect(await worker.waitForLog((l) => l.msg === 'votes stored')).toMatchObject({ source: 'pending', entries: 3 })
    await t.db.end()
  })
})
