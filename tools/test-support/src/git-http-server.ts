// Serves bare repositories over HTTP through `git http-backend` (git's own CGI), and demands
// `Authorization: Basic base64(x-access-token:TOKEN)` as GitHub does. It records every
// Authorization header git sends, so a test can prove exactly one, right, header reached it.
// `answer` scripts what each push gets back, for GitHub's failures that a bare repository never
// produces: a 429 or 500 before the push, a 500 after the push was applied (the answer is lost, the
// ref moved), or GitHub's "(failure)" status with "fatal error in commit_refs" (nothing applied).
import { spawn } from 'node:child_process'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'

/** What the server does with a push (a receive-pack POST), by its number (1-based). */
export type PushAnswer = 'normal' | 'throttled' | 'server-error' | 'applied-then-500' | 'commit-refs-failure' | 'ref-update-failed'

/** A pkt-line: four hex digits of length (themselves included), then the payload. */
function pkt(payload: Buffer | string): Buffer {
  const data = Buffer.isBuffer(payload) ? payload : Buffer.from(payload)
  return Buffer.concat([Buffer.from((data.length + 4).toString(16).padStart(4, '0')), data])
}

/**
 * The receive-pack result GitHub sends when its ref update fails: the remote's message on side band
 * 2, then report-status on band 1 with `ng <ref> <reason>`
 * (https://git-scm.com/docs/gitprotocol-pack#_report_status), which git prints as
 * "remote: fatal error in commit_refs" and "! [remote rejected] main -> main (failure)", or with
 * reason "failed" and no message as "! [remote rejected] main -> main (failed)".
 */
function refUpdateFailure(body: Buffer, reason: 'failure' | 'failed', message?: string): Buffer {
  // The first command pkt-line: "<old> <new> <ref>\0<capabilities>".
  const length = parseInt(body.subarray(0, 4).toString(), 16)
  const ref = body.subarray(4, length).toString().split('\0')[0]?.split(' ')[2]?.trim() ?? 'refs/heads/main'
  const status = Buffer.concat([pkt('unpack ok\n'), pkt(`ng ${ref} ${reason}\n`), Buffer.from('0000')])
  const remote = message ? [pkt(Buffer.concat([Buffer.from([2]), Buffer.from(`${message}\n`)]))] : []
  return Buffer.concat([...remote, pkt(Buffer.concat([Buffer.from([1]), status])), Buffer.from('0000')])
}

export interface GitHttpServer {
  url: string
  /** Every Authorization header of every request (raw, duplicates kept). */
  authorizations: string[][]
  /** Paths of receive-pack POSTs (push attempts that got past authentication). */
  pushes: number
  close(): Promise<void>
}

/** `readOnly`: the token may fetch but not push (403 on receive-pack), like a read-only token. */
export async function startGitHttpServer(
  projectRoot: string,
  token: string,
  options: {
    readOnly?: boolean
    answer?: (push: number) => PushAnswer
    /** What fetch n (its ref advertisement) gets: 'server-error' answers 500, as a degraded server does. */
    fetchAnswer?: (fetch: number) => 'normal' | 'server-error'
  } = {},
): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`
  const state = { authorizations: [] as string[][], pushes: 0, fetches: 0 }
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
    if (req.method === 'GET' && url.searchParams.get('service') === 'git-upload-pack' && options.fetchAnswer?.(++state.fetches) === 'server-error') {
      res.writeHead(500)
      res.end('Internal Server Error\n')
      return
    }
    const answer = req.method === 'POST' && url.pathname.endsWith('/git-receive-pack') ? (options.answer?.(++state.pushes) ?? 'normal') : 'normal'
    if (answer === 'throttled' || answer === 'server-error') {
      req.resume()
      res.writeHead(answer === 'throttled' ? 429 : 500)
      res.end(answer === 'throttled' ? 'API rate limit exceeded\n' : 'Internal Server Error\n')
      return
    }
    if (answer === 'commit-refs-failure' || answer === 'ref-update-failed') {
      const chunks: Buffer[] = []
      req.on('data', (chunk: Buffer) => chunks.push(chunk))
      req.on('end', () => {
        const raw = Buffer.concat(chunks)
        res.writeHead(200, { 'Content-Type': 'application/x-git-receive-pack-result', 'Cache-Control': 'no-cache' })
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw
        res.end(answer === 'ref-update-failed' ? refUpdateFailure(body, 'failed') : refUpdateFailure(body, 'failure', 'fatal error in commit_refs'))
      })
      return
    }
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
      if (answer === 'applied-then-500') {
        // The push was applied (the ref moved), but the answer never reaches the client.
        res.writeHead(500)
        res.end('Internal Server Error\n')
        return
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
