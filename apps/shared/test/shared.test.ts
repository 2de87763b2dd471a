import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { backoffDelay, checkReadiness, ConfigError, createLogger, envInt, envRedisUrl, envString, envUrl, envVoteOptions, envVoteStream, escapeHtml, handleHealth, onShutdown, postgresConfig, redactUrl, sleep } from '../src'

describe('config', () => {
  it('uses defaults for absent or blank variables and parses numbers strictly', () => {
    expect(envString({}, 'X', 'd')).toBe('d')
    expect(envString({ X: '  ' }, 'X', 'd')).toBe('d')
    expect(envString({ X: ' v ' }, 'X', 'd')).toBe('v')
    expect(envInt({ N: '42' }, 'N', 1)).toBe(42)
    expect(() => envInt({ N: '4x' }, 'N', 1)).toThrow(new ConfigError('N must be a whole number, got "4x"'))
    expect(() => envInt({ N: '70000' }, 'N', 1, 0, 65535)).toThrow('N must be between 0 and 65535, got 70000')
  })

  it('checks URLs and never repeats a password in an error', () => {
    expect(envUrl({}, 'U', 'redis://redis:6379', ['redis:'])).toBe('redis://redis:6379')
    expect(() => envUrl({ U: 'http://x' }, 'U', 'redis://r', ['redis:', 'rediss:'])).toThrow('U must use redis: or rediss:, got "http:"')
    expect(() => envUrl({ U: 'not a url' }, 'U', 'redis://r', ['redis:'])).toThrow('U must be a URL')
    expect(redactUrl('redis://:s3cret@redis:6379')).toBe('redis://:***@redis:6379')
    expect(redactUrl('redis://redis:6379')).toBe('redis://redis:6379')
  })

  it('reads the Redis URL, the vote stream and the two options with in-cluster defaults', () => {
    expect(envRedisUrl({})).toBe('redis://redis:6379')
    expect(envRedisUrl({ REDIS_URL: 'rediss://:p@r:6380' })).toBe('rediss://:p@r:6380')
    expect(() => envRedisUrl({ REDIS_URL: 'http://r' })).toThrow('REDIS_URL must use redis: or rediss:, got "http:"')
    expect(envVoteStream({})).toBe('votes')
    expect(envVoteStream({ VOTE_STREAM: 's' })).toBe('s')
    expect(envVoteOptions({})).toEqual({ optionA: 'Cats', optionB: 'Dogs' })
    expect(envVoteOptions({ OPTION_A: 'Tea', OPTION_B: ' ' })).toEqual({ optionA: 'Tea', optionB: 'Dogs' })
  })

  it('reads PostgreSQL settings with in-cluster defaults', () => {
    expect(postgresConfig({})).toEqual({ host: 'db', port: 5432, user: 'postgres', password: '', database: 'postgres' })
    expect(postgresConfig({ PGHOST: 'h', PGPORT: '6543', PGUSER: 'u', PGPASSWORD: 'p', PGDATABASE: 'd' })).toEqual({
      host: 'h', port: 6543, user: 'u', password: 'p', database: 'd',
    })
  })
})

describe('logger', () => {
  it('writes one JSON object per line, filtered by level, errors as messages', () => {
    const lines: string[] = []
    const log = createLogger('svc', 'info', (l) => lines.push(l))
    log.debug('hidden')
    log.warn('careful', { error: new Error('boom'), n: 1 })
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', service: 'svc', msg: 'careful', error: 'boom', n: 1 })
    expect(JSON.parse(lines[0]!).time).toMatch(/^\d{4}-\d\d-\d\dT/)
  })
})

describe('backoff', () => {
  it('doubles up to the cap, with jitter in the upper half', () => {
    const opts = { initialMs: 100, maxMs: 1000 }
    expect(backoffDelay(0, { ...opts, random: () => 0 })).toBe(50)
    expect(backoffDelay(0, { ...opts, random: () => 1 })).toBe(100)
    expect(backoffDelay(3, { ...opts, random: () => 1 })).toBe(800)
    expect(backoffDelay(10, { ...opts, random: () => 1 })).toBe(1000)
    expect(backoffDelay(10, { ...opts, random: () => 0 })).toBe(500)
  })

  it('sleep ends early when aborted', async () => {
    const controller = new AbortController()
    const started = Date.now()
    setTimeout(() => controller.abort(), 20)
    await sleep(10000, controller.signal)
    expect(Date.now() - started).toBeLessThan(1000)
  })
})

describe('health', () => {
  let server: Server | undefined
  afterEach(() => server?.close())

  it('is ready only when every check answers in time', async () => {
    expect(await checkReadiness({ checks: { a: async () => undefined } })).toEqual({ ready: true, checks: { a: 'ok' } })
    const slow = () => new Promise<void>((r) => setTimeout(r, 200))
    expect(await checkReadiness({ checks: { a: async () => undefined, b: slow }, timeoutMs: 20 })).toEqual({
      ready: false, checks: { a: 'ok', b: 'b did not answer within 20 ms' },
    })
    expect((await checkReadiness({ checks: { c: () => Promise.reject(new Error('ECONNREFUSED')) } })).checks.c).toBe('ECONNREFUSED')
    expect((await checkReadiness({ checks: {}, isShuttingDown: () => true })).ready).toBe(false)
  })

  it('serves /healthz and /readyz and leaves other paths to the caller', async () => {
    let up = true
    server = createServer((req, res) => {
      void handleHealth(req, res, { checks: { db: async () => { if (!up) throw new Error('down') } } }).then((handled) => {
        if (!handled) res.writeHead(418).end()
      })
    })
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    expect((await fetch(base + '/healthz')).status).toBe(200)
    expect((await fetch(base + '/readyz')).status).toBe(200)
    up = false
    const res = await fetch(base + '/readyz')
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'not ready', checks: { db: 'down' } })
    expect((await fetch(base + '/healthz')).status).toBe(200)
    expect((await fetch(base + '/other')).status).toBe(418)
  })

  it('escapes HTML', () => {
    expect(escapeHtml(`<b a="x">'&`)).toBe('&#60;b a=&#34;x&#34;&#62;&#39;&#38;')
  })
})

describe('shutdown', () => {
  it('runs cleanup once and exits 0, or exits 1 when cleanup hangs past the deadline', async () => {
    const codes: number[] = []
    let runs = 0
    const log = createLogger('t', 'error', () => undefined)
    const handler = onShutdown({ logger: log, timeoutMs: 1000, cleanup: async () => void runs++, exit: (c) => codes.push(c) })
    await Promise.all([handler('SIGTERM'), handler('SIGTERM')])
    expect({ runs, codes }).toEqual({ runs: 1, codes: [0] })

    const hung = onShutdown({ logger: log, timeoutMs: 30, cleanup: () => new Promise(() => undefined), exit: (c) => codes.push(c) })
    void hung('SIGTERM')
    await new Promise((r) => setTimeout(r, 100))
    expect(codes).toEqual([0, 1])
    process.removeAllListeners('SIGTERM')
    process.removeAllListeners('SIGINT')
  })
})
