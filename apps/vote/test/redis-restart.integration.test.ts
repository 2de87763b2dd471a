// The vote service across a Redis restart: 503 while Redis is away, votes accepted again after.
import { afterAll, beforeAll, expect, it } from 'vitest'
import { Redis } from 'ioredis'
import { bundleApp, startApp, startRedis, waitUntil, type RunningApp } from '@aks-gitops/app-shared/testing'

let redisServer: Awaited<ReturnType<typeof startRedis>>
let app: RunningApp

beforeAll(async () => {
  redisServer = await startRedis()
  app = await startApp('vote', await bundleApp('vote'), { REDIS_URL: redisServer.url, PORT: '0' })
})
afterAll(async () => {
  await app?.stop('SIGKILL')
  await redisServer?.destroy()
})

it('refuses votes while Redis is down and takes them again once it is back', async () => {
  const base = `http://127.0.0.1:${app.port}`
  const vote = (choice: string) =>
    fetch(base + '/', { method: 'POST', redirect: 'manual', body: `vote=${choice}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } })
  expect((await vote('a')).status).toBe(303)
  await redisServer.stop()
  await waitUntil('503 without Redis', async () => (await vote('b')).status === 503 || undefined)
  expect((await fetch(base + '/readyz')).status).toBe(503)
  await redisServer.start()
  await waitUntil('ready again', async () => (await fetch(base + '/readyz')).status === 200 || undefined)
  expect((await vote('b')).status).toBe(303)
  const redis = new Redis(redisServer.url)
  // The vote before the restart survived it (append-only file), the refused one was not queued.
  expect((await redis.xrange('votes', '-', '+')).map(([, f]) => f[3])).toEqual(['a', 'b'])
  redis.disconnect()
})
