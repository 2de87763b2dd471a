// Redis and PostgreSQL restarting under a running worker: it reconnects with backoff, reports
// not-ready meanwhile, and stores every vote queued before, during and after the outage.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import pg from 'pg'
import { bundleApp, createDatabase, pgEnv, startApp, startPostgres, startRedis, waitUntil, type PgService, type RunningApp } from '@aks-gitops/app-shared/testing'

let redisServer: Awaited<ReturnType<typeof startRedis>>
let pgServer: PgService
let worker: RunningApp | undefined

beforeAll(async () => {
  ;[redisServer, pgServer] = await Promise.all([startRedis(), startPostgres()])
})
afterAll(async () => {
  await worker?.stop('SIGKILL')
  await Promise.all([redisServer?.destroy(), pgServer?.destroy()])
})

async function ready(port: number): Promise<{ status: number; body: { checks: Record<string, string> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`)
  return { status: res.status, body: (await res.json()) as { checks: Record<string, string> } }
}

it('reconnects to Redis and PostgreSQL after each restarts, losing no vote', async () => {
  const database = await createDatabase(pgServer, 'reconnect')
  const count = async () => {
    const client = new pg.Client({ ...pgEnvConn(), database })
    await client.connect()
    try {
      return Number((await client.query('SELECT count(*) AS n FROM votes')).rows[0].n)
    } finally {
      await client.end()
    }
  }
  const pgEnvConn = () => ({ host: pgServer.host, port: pgServer.port, user: pgServer.user, password: pgServer.password })
  worker = await startApp('worker', await bundleApp('worker'), {
    REDIS_URL: redisServer.url, ...pgEnv(pgServer, database), PORT: '0', BLOCK_MS: '200',
    BACKOFF_INITIAL_MS: '50', BACKOFF_MAX_MS: '400',
  })
  const cast = async (from: number, to: number) => {
    const redis = new Redis(redisServer.url)
    for (let i = from; i < to; i++) await redis.xadd('votes', '*', 'voter', `voter-${i}`, 'vote', i % 2 ? 'a' : 'b')
    redis.disconnect()
  }
  await cast(0, 10)
  await waitUntil('first votes', async () => (await count()) === 10 || undefined)
  expect((await ready(worker.port)).status).toBe(200)

  // Redis goes away and comes back on the same port with its data.
  await redisServer.stop()
  await waitUntil('not ready without Redis', async () => (await ready(worker!.port)).status === 503 || undefined)
  await worker.waitForLog((l) => l.msg === 'reconnecting to Redis')
  await redisServer.start()
  await cast(10, 20)
  await waitUntil('votes after the Redis restart', async () => (await count()) === 20 || undefined)
  await waitUntil('ready again', async () => (await ready(worker!.port)).status === 200 || undefined)

  // PostgreSQL goes away: votes keep queueing in Redis, the worker retries with backoff.
  await pgServer.stop()
  await cast(20, 30)
  const down = await waitUntil('not ready without PostgreSQL', async () => {
    const r = await ready(worker!.port)
    return r.status === 503 ? r : undefined
  })
  expect(down.body.checks.postgres).not.toBe('ok')
  expect(down.body.checks.redis).toBe('ok')
  await worker.waitForLog((l) => l.msg === 'vote processing failed, retrying')
  await pgServer.start()
  await waitUntil('votes queued during the PostgreSQL outage', async () => (await count()) === 30 || undefined, 20000)
  await worker.waitForLog((l) => l.msg === 'Redis and PostgreSQL reachable again')
  expect(worker.proc.exitCode).toBeNull()
})

it('stops promptly on SIGTERM even while Redis is unreachable', async () => {
  const database = await createDatabase(pgServer, 'stop')
  const app = await startApp('worker', await bundleApp('worker'), {
    REDIS_URL: redisServer.url, ...pgEnv(pgServer, database), PORT: '0', BLOCK_MS: '200', SHUTDOWN_TIMEOUT_MS: '10000',
  })
  await app.waitForLog((l) => l.msg === 'consuming votes')
  await redisServer.stop()
  await app.waitForLog((l) => l.msg === 'reconnecting to Redis')
  const started = Date.now()
  expect(await app.stop('SIGTERM')).toEqual({ code: 0, signal: null })
  expect(Date.now() - started).toBeLessThan(5000)
  await redisServer.start()
})
