// The result service bundle against a real PostgreSQL: the tally, and server-sent updates.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import pg from 'pg'
import { bundleApp, createDatabase, pgEnv, startApp, waitUntil, type RunningApp } from '@aks-gitops/app-shared/testing'

const server = inject('postgres')
let app: RunningApp
let db: pg.Pool
let base: string

beforeAll(async () => {
  const database = await createDatabase(server, 'result')
  db = new pg.Pool({ ...server, database, max: 2 })
  app = await startApp('result', await bundleApp('result'), { ...pgEnv(server, database), PORT: '0', POLL_INTERVAL_MS: '100' })
  base = `http://127.0.0.1:${app.port}`
})
afterAll(async () => {
  await app?.stop('SIGKILL')
  await db?.end()
})

/** Reads `event: tally` messages from /events as they arrive. */
async function subscribe(): Promise<{ next(match: (t: Record<string, number>) => boolean): Promise<Record<string, number>>; close(): void }> {
  const controller = new AbortController()
  const res = await fetch(base + '/events', { signal: controller.signal })
  expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  return {
    async next(match) {
      for (;;) {
        let end: number
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const data = /^event: tally\ndata: (.*)$/m.exec(block)?.[1]
          if (data) {
            const tally = JSON.parse(data) as Record<string, number>
            if (match(tally)) return tally
          }
        }
        const { value, done } = await reader.read()
        if (done) throw new Error('event stream ended')
        buffer += value
      }
    },
    close: () => controller.abort(),
  }
}

describe('result service', () => {
  it('shows 0 votes before the worker has created the table', async () => {
    expect(await (await fetch(base + '/api/tally')).json()).toEqual({ a: 0, b: 0, total: 0, percentA: 50, percentB: 50 })
    const html = await (await fetch(base + '/')).text()
    expect(html).toContain('<title>Cats vs Dogs -- Result</title>')
    expect(html).toContain('0 votes')
  })

  it('pushes the new tally to open event streams when votes change', async () => {
    const events = await subscribe()
    await db.query('CREATE TABLE votes (id text PRIMARY KEY, vote text NOT NULL)')
    await db.query("INSERT INTO votes VALUES ('v1', 'a'), ('v2', 'a'), ('v3', 'b')")
    expect(await events.next((t) => t.total === 3)).toEqual({ a: 2, b: 1, total: 3, percentA: 67, percentB: 33 })
    await db.query("UPDATE votes SET vote = 'b' WHERE id = 'v1'")
    expect(await events.next((t) => t.b === 2)).toEqual({ a: 1, b: 2, total: 3, percentA: 33, percentB: 67 })
    events.close()
    expect((await fetch(base + '/readyz')).status).toBe(200)
  })

  it('ends open event streams and exits 0 on SIGTERM', async () => {
    const events = await subscribe()
    await events.next(() => true)
    const stopped = app.stop('SIGTERM')
    await expect(events.next(() => false)).rejects.toThrow()
    expect(await stopped).toEqual({ code: 0, signal: null })
    await waitUntil('clean stop logged', async () => app.logs.some((l) => l.msg === 'stopped cleanly') || undefined)
  })
})
