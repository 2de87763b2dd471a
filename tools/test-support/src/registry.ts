// Test registries on loopback: Debian's docker-registry on a free port, optionally behind htpasswd
// basic auth, and a counting proxy that records what really crossed the wire (blob bytes uploaded,
// cross-repository mounts) and can answer the first N requests with an error status.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest } from 'node:http'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer()
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

/**
 * Listens on a free 127.0.0.1 port. `stop` destroys `sockets` (the connections a raw or CONNECT
 * server tracks itself), closes an http(s) server's own connections, and closes the server.
 */
export async function listenOnLoopback(server: NetServer, sockets: ReadonlySet<Socket> = new Set()): Promise<{ port: number; host: string; stop: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    port,
    host: `127.0.0.1:${port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        // http and https servers keep their own list of connections.
        if ('closeAllConnections' in server && typeof server.closeAllConnections === 'function') server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export interface TestRegistry {
  host: string
  port: number
  stop: () => Promise<void>
}

async function waitUp(port: number, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 80; i++) {
    if (child.exitCode !== null) throw new Error(`docker-registry exited: ${log()}`)
    try {
      const response = await fetch(`http://127.0.0.1:${port}/v2/`)
      if (response.status === 200 || response.status === 401) return
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`docker-registry on ${port} did not start: ${log()}`)
}

export async function startRegistry(options: { user?: string; password?: string } = {}): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'acr-push-registry-'))
  const port = await freePort()
  let auth = ''
  if (options.user && options.password) {
    const line = execFileSync('htpasswd', ['-Bbn', options.user, options.password], { encoding: 'utf8' })
    writeFileSync(join(dir, 'htpasswd'), line)
    auth = `auth:\n  htpasswd:\n    realm: acr-push-test\n    path: ${join(dir, 'htpasswd')}\n`
  }
  writeFileSync(
    join(dir, 'config.yml'),
    `version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: ${join(dir, 'data')}\n  delete:\n    enabled: true\nhttp:\n  addr: 127.0.0.1:${port}\n${auth}`,
  )
  let output = ''
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()))
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()))
  await waitUp(port, child, () => output)
  return {
    host: `127.0.0.1:${port}`,
    port,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await exited
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

/** A TCP server that accepts connections and never answers: a registry that hangs. */
export async function startBlackHole(): Promise<{ host: string; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createNetServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  const { host, stop } = await listenOnLoopback(server, sockets)
  return { host, stop }
}

export interface Traffic {
  /** Request body bytes of blob upload PATCH/PUT requests (what was uploaded). */
  uploadedBytes: number
  /** Blob digests whose upload finished (PUT ...?digest=). */
  uploadedDigests: Set<string>
  /** Cross-repository mounts the registry accepted (POST ?mount= answered 201). */
  mounts: number
  requests: string[]
}

export interface CountingProxy {
  host: string
  traffic: Traffic
  reset: () => void
  /** Answer the next `count` requests matching `match` ("METHOD /path") with `status` instead of forwarding them. */
  failNext: (count: number, status: number, match?: RegExp) => void
  stop: () => Promise<void>
}

/** A reverse proxy on loopback in front of a registry; the Host header is kept so Location URLs point back at the proxy. */
export async function startCountingProxy(targetPort: number): Promise<CountingProxy> {
  const fresh = (): Traffic => ({ uploadedBytes: 0, uploadedDigests: new Set(), mounts: 0, requests: [] })
  let traffic = fresh()
  let failures = { count: 0, status: 0, match: /./ }
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    const line = `${req.method} ${url.split('?')[0]}`
    traffic.requests.push(line)
    if (failures.count > 0 && failures.match.test(line)) {
      failures.count--
      res.writeHead(failures.status, { 'Content-Type': 'application/json' })
      // The distribution spec's error codes for these statuses.
      const code = failures.status === 403 ? 'DENIED' : failures.status === 429 ? 'TOOMANYREQUESTS' : 'UNAVAILABLE'
      const message = failures.status === 403 ? 'requested access to the resource is denied' : `injected ${failures.status} by the test proxy`
      res.end(JSON.stringify({ errors: [{ code, message }] }))
      req.resume()
      return
    }
    const isUpload = /\/blobs\/uploads\//.test(url) && (req.method === 'PATCH' || req.method === 'PUT')
    const upstream = httpRequest({ host: '127.0.0.1', port: targetPort, method: req.method, path: url, headers: req.headers }, (up) => {
      if (req.method === 'POST' && url.includes('mount=') && up.statusCode === 201) traffic.mounts++
      const digest = /[?&]digest=([^&]+)/.exec(url)?.[1]
      if (req.method === 'PUT' && isUpload && digest && up.statusCode === 201) traffic.uploadedDigests.add(decodeURIComponent(digest))
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => {
      res.writeHead(502)
      res.end()
    })
    req.on('data', (chunk: Buffer) => {
      if (isUpload) traffic.uploadedBytes += chunk.length
    })
    req.pipe(upstream)
  })
  const { host, stop } = await listenOnLoopback(server)
  return {
    host,
    get traffic() {
      return traffic
    },
    reset: () => {
      traffic = fresh()
    },
    failNext: (count, status, match = /./) => {
      failures = { count, status, match }
    },
    stop,
  }
}
