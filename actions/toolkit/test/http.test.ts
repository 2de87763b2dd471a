// The proxy-aware HTTP client: which URLs may carry credentials, which requests go through a
// proxy (HTTPS_PROXY / NO_PROXY, loopback never), and real requests to a local server. The
// CONNECT-proxy path itself is exercised end to end by actions/acr-push/test/e2e-proxy.test.ts.
import { createServer, type Server } from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { HttpNetworkError, insecureUrlReason, proxyFor, sendRequest } from '../src/http'

const PROXY_VARIABLES = ['https_proxy', 'HTTPS_PROXY', 'http_proxy', 'HTTP_PROXY', 'no_proxy', 'NO_PROXY']
const saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]))
afterEach(() => {
  for (const name of PROXY_VARIABLES) {
    if (saved[name] === undefined) delete process.env[name]
    else process.env[name] = saved[name]
  }
})

describe('which URLs may carry credentials', () => {
  it('accepts https anywhere and http on loopback only', () => {
    expect(insecureUrlReason('https://login.microsoftonline.com/t/oauth2/v2.0/token')).toBeUndefined()
    expect(insecureUrlReason('http://127.0.0.1:8080/x')).toBeUndefined()
    expect(insecureUrlReason('http://contoso.azurecr.io/oauth2/exchange')).toMatch(/"http:\/\/contoso\.azurecr\.io" is not https/)
    expect(insecureUrlReason('ftp://127.0.0.1/x')).toMatch(/is not https/)
    expect(insecureUrlReason('not a url')).toMatch(/not an absolute URL/)
  })
})

describe('proxy selection from the environment', () => {
  it('uses HTTPS_PROXY for https URLs unless NO_PROXY names the host, and never for loopback', () => {
    process.env.HTTPS_PROXY = 'http://user:secret@proxy.internal:3128'
    process.env.NO_PROXY = '.corp.example,internal.example:443'
    expect(proxyFor('https://login.microsoftonline.com/x')).toBe('http://proxy.internal:3128')
    expect(proxyFor('https://acr.corp.example/x')).toBeUndefined()
    expect(proxyFor('https://internal.example/x')).toBeUndefined()
    expect(proxyFor('https://127.0.0.1:8443/x')).toBeUndefined()
    expect(proxyFor('http://login.microsoftonline.com/x')).toBeUndefined()
  })
})

describe('sendRequest', () => {
  let server: Server
  let base = ''
  const seen: Array<{ method?: string; url?: string; type?: string; body: string }> = []
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => (body += chunk.toString()))
      req.on('end', () => {
        seen.push({ method: req.method, url: req.url, type: req.headers['content-type'], body })
        if (req.url === '/redirect') {
          res.writeHead(302, { Location: 'http://127.0.0.1:1/elsewhere' })
          return res.end()
        }
        res.writeHead(req.url === '/missing' ? 404 : 200, { 'Content-Type': 'application/json' })
        res.end('{"ok":true}')
      })
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const address = server.address()
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it('posts a form and returns status and body, whatever the status', async () => {
    const ok = await sendRequest({ method: 'POST', url: `${base}/token`, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, form: { a: '1', b: 'x y' } }, { userAgent: 't', timeoutMs: 5000 })
    expect(ok).toEqual({ status: 200, body: '{"ok":true}' })
    expect(seen.at(-1)).toEqual({ method: 'POST', url: '/token', type: 'application/x-www-form-urlencoded', body: 'a=1&b=x+y' })
    expect((await sendRequest({ method: 'GET', url: `${base}/missing`, headers: {} }, { userAgent: 't', timeoutMs: 5000 })).status).toBe(404)
  })

  it('does not follow a redirect (a token request must not resend its secret elsewhere)', async () => {
    const response = await sendRequest({ method: 'POST', url: `${base}/redirect`, headers: {}, form: { secret: 's' } }, { userAgent: 't', timeoutMs: 5000 })
    expect(response.status).toBe(302)
  })

  it('refuses plain http to a non-loopback host before connecting', async () => {
    await expect(sendRequest({ method: 'GET', url: 'http://login.example.com/x', headers: {} }, { userAgent: 't', timeoutMs: 5000 })).rejects.toThrow(/refusing to send credentials/)
  })

  it('reports a server that accepts but never answers as ETIMEDOUT after the timeout', async () => {
    const silent = createServer(() => undefined)
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve))
    const address = silent.address()
    try {
      const failure = sendRequest({ method: 'GET', url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`, headers: {} }, { userAgent: 't', timeoutMs: 300 })
      await expect(failure).rejects.toMatchObject({ name: 'HttpNetworkError', code: 'ETIMEDOUT' })
    } finally {
      silent.closeAllConnections()
      await new Promise<void>((resolve) => silent.close(() => resolve()))
    }
  })

  it("reports a connection failure with Node's error code", async () => {
    const failure = sendRequest({ method: 'GET', url: 'http://127.0.0.1:1/x', headers: {} }, { userAgent: 't', timeoutMs: 5000 })
    await expect(failure).rejects.toBeInstanceOf(HttpNetworkError)
    await expect(failure).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
