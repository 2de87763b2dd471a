// Serves bare repositories over HTTP through `git http-backend` (git's own CGI), and demands
// `Authorization: Basic base64(x-access-token:TOKEN)` as GitHub does. It records every
// Authorization header git sends, so a test can prove exactly one, right, header reached it.
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface GitHttpServer {
  url: string
  /** Every Authorization header of every request (raw, duplicates kept). */
  authorizations: string[][]
  /** Paths of receive-pack POSTs (push attempts that got past authentication). */
  pushes: number
  close(): Promise<void>
}

/** `readOnly`: the token may fetch but not push (403 on receive-pack), like a read-only token. */
export async function startGitHttpServer(projectRoot: string, token: string, options: { readOnly?: boolean } = {}): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  const state = { authorizations: [] as string[][], pushes: 0 }
  const server: Server = createServer((req, res) => {
    const headers: string[] = []
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      if (req.rawHeaders[i]?.toLowerCase() === 'authorization') headers.push(req.rawHeaders[i + 1] ?? '')
    }
    state.authorizations.push(headers)
    if (headers.length !== 1 || headers[0]?.toLowerCase() !== expected.toLowerCase()) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' })
      res.end('bad credentials\n')
      return
    }
    const url = new URL(req.url ?? '/', 'http://localhost')
    const receive = url.pathname.endsWith('/git-receive-pack') || url.searchParams.get('service') === 'git-receive-pack'
    if (receive && options.readOnly) {
      res.writeHead(403)
      res.end('Permission to octo/gitops.git denied to token.\n')
      return
    }
    if (req.method === 'POST' && url.pathname.endsWith('/git-receive-pack')) state.pushes++
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env.PATH,
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REMOTE_USER: 'x-access-token',
        REQUEST_METHOD: req.method,
        PATH_INFO: url.pathname,
        QUERY_STRING: url.search.slice(1),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        GIT_HTTP_MAX_REQUEST_BUFFER: '100M',
      },
    })
    req.pipe(cgi.stdin)
    const chunks: Buffer[] = []
    cgi.stdout.on('data', (chunk: Buffer) => chunks.push(chunk))
    cgi.on('close', () => {
      const output = Buffer.concat(chunks)
      const split = output.indexOf('\r\n\r\n')
      const head = output.subarray(0, split).toString('utf8')
      let status = 200
      const out: Record<string, string> = {}
      for (const line of head.split('\r\n')) {
        const colon = line.indexOf(':')
        const name = line.slice(0, colon).trim()
        const value = line.slice(colon + 1).trim()
        if (name.toLowerCase() === 'status') status = Number(value.split(' ')[0])
        else if (name) out[name] = value
      }
      res.writeHead(status, out)
      res.end(output.subarray(split + 4))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    get authorizations() {
      return state.authorizations
    },
    get pushes() {
      return state.pushes
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
