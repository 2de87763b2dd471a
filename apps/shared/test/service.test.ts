import { request, createServer, Agent } from 'node:http'
import { describe, expect, it } from 'vitest'
import { closeServer, listen, startService } from '../src'

function get(port: number, agent?: Agent, headers?: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ port, host: '127.0.0.1', path: '/', agent, headers }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => (body += c)).on('end', () => resolve(body))
    })
      .on('error', reject)
      .end()
  })
}

describe('listen and closeServer', () => {
  it('listens on a free port, then closes despite an idle keep-alive connection, after the request in flight', async () => {
    let finish: () => void = () => undefined
    const server = createServer((req, res) => {
      if (req.headers['x-slow']) finish = () => res.end('slow')
      else res.end('ok')
    })
    const port = await listen(server, 0)
    expect(port).toBeGreaterThan(0)
    const agent = new Agent({ keepAlive: true })
    expect(await get(port, agent)).toBe('ok') // leaves an idle keep-alive connection
    const slow = get(port, undefined, { 'x-slow': '1' })
    await new Promise((r) => setTimeout(r, 50))
    let closed = false
    const closing = closeServer(server).then(() => (closed = true))
    await new Promise((r) => setTimeout(r, 50))
    expect(closed).toBe(false) // the slow request is still in flight
    finish()
    expect(await slow).toBe('slow')
    await closing
    expect(server.listening).toBe(false)
    await expect(get(port)).rejects.toThrow(/ECONNREFUSED/)
    agent.destroy()
  })

  it('resolves for a server that never listened', async () => {
    await expect(closeServer(createServer())).resolves.toBeUndefined()
  })
})

describe('startService', () => {
  it('exits 1 with one JSON error line when the start fails', async () => {
    const lines: string[] = []
    const codes: number[] = []
    await startService('vote', () => Promise.reject(new Error('REDIS_URL is not a URL')), { write: (l) => lines.push(l), exit: (c) => codes.push(c) })
    expect(codes).toEqual([1])
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({ level: 'error', service: 'vote', msg: 'failed to start', error: 'REDIS_URL is not a URL' })
  })

  it('neither logs nor exits when the start succeeds', async () => {
    const lines: string[] = []
    const codes: number[] = []
    await startService('vote', async () => undefined, { write: (l) => lines.push(l), exit: (c) => codes.push(c) })
    expect({ lines, codes }).toEqual({ lines: [], codes: [] })
  })
})
