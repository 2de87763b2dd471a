// The vote service bundle against a real Redis: cookies, the queued entries, changing one's mind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { inject } from 'vitest'
import { Redis } from 'ioredis'
import { bundleApp, freePort, startApp, waitUntil, type RunningApp } from '@aks-gitops/app-shared/testing'

const redisUrl = inject('redisUrl')
const stream = `votes-it-${Math.random().toString(36).slice(2, 8)}`
let bundle: string
let app: RunningApp
let redis: Redis
let base: string

beforeAll(async () => {
  bundle = await bundleApp('vote')
  app = await startApp('vote', bundle, { REDIS_URL: redisUrl, VOTE_STREAM: stream, PORT: '0', OPTION_A: 'Tea', OPTION_B: 'Coffee' })
  base = `http://127.0.0.1:${app.port}`
  // The service listens before its Redis connection is up and answers 503 until then (as /readyz
  // says): wait for ready, as Kubernetes would, before the first vote.
  await waitUntil('vote ready', async () => (await fetch(base + '/readyz')).status === 200)
  redis = new Redis(redisUrl)
})
afterAll(async () => {
  redis?.disconnect()
  await app?.stop('SIGKILL')
})

const post = (vote: string, cookie?: string) =>
  fetch(base + '/', {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}) },
    body: `vote=${vote}`,
  })

describe('vote service', () => {
  it('gives a new visitor an id, queues the vote, and shows the current choice', async () => {
    const first = await fetch(base + '/')
    expect(first.status).toBe(200)
    const html = await first.text()
    expect(html).toContain('Tea vs Coffee!')
    expect(html).toContain('You have not voted yet.')
    const setCookie = first.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^voter_id=[0-9a-f-]{36}; Path=\/; Max-Age=31536000; HttpOnly; SameSite=Lax$/)
    const cookie = setCookie.split(';')[0] ?? ''
    const voter = cookie.split('=')[1]

    const voted = await post('a', cookie)
    expect(voted.status).toBe(303)
    expect(voted.headers.get('location')).toBe('/')
    expect(await (await fetch(base + '/', { headers: { cookie } })).text()).toContain('You voted for <strong>Tea</strong>.')

    // Changing one's mind: a second entry for the same visitor, and the page shows the new choice.
    expect((await post('b', cookie)).status).toBe(303)
    expect(await (await fetch(base + '/', { headers: { cookie } })).text()).toContain('You voted for <strong>Coffee</strong>.')
    const entries = await redis.xrange(stream, '-', '+')
    expect(entries.map(([, fields]) => fields)).toEqual([
      ['voter', voter, 'vote', 'a'],
      ['voter', voter, 'vote', 'b'],
    ])
    expect(await redis.hget(`${stream}:choices`, voter!)).toBe('b')
  })

  it('issues an id on a first POST and rejects anything but a or b', async () => {
    const res = await post('b')
    expect(res.status).toBe(303)
    expect(res.headers.get('set-cookie')).toMatch(/^voter_id=/)
    expect((await post('c')).status).toBe(400)
    expect((await fetch(base + '/nope')).status).toBe(404)
    expect((await fetch(base + '/', { method: 'DELETE' })).status).toBe(405)
  })

  it('is ready with Redis and live always', async () => {
    expect((await fetch(base + '/healthz')).status).toBe(200)
    const ready = await fetch(base + '/readyz')
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: 'ok' } })
  })

  it('reports not ready and refuses votes with 503 when Redis is unreachable, and stops on SIGTERM', async () => {
    const noRedis = await startApp('vote-no-redis', bundle, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, PORT: '0' })
    const url = `http://127.0.0.1:${noRedis.port}`
    expect((await fetch(url + '/readyz')).status).toBe(503)
    expect((await fetch(url + '/healthz')).status).toBe(200)
    const res = await fetch(url + '/', { method: 'POST', body: 'vote=a', headers: { 'content-type': 'application/x-www-form-urlencoded' } })
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('Your vote could not be recorded')
    expect(await noRedis.stop('SIGTERM')).toEqual({ code: 0, signal: null })
    expect(noRedis.logs.map((l) => l.msg)).toContain('stopped cleanly')
    expect(noRedis.logs.every((l) => typeof l.time === 'string' && l.service === 'vote')).toBe(true)
  })
})
