// The registry tools for real: docker buildx imagetools and skopeo against the local OCI registry
// (127.0.0.1:5000, started by tools/bootstrap.sh), behind a loopback proxy that can answer the next
// matching requests with an error status, in the distribution spec's error format
// (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#error-codes). And a deadline
// that ends a real slow process.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { RegistryError, RetriesExhaustedError, inspectRaw, listTags, passedDeadline, runTool, sha256Digest, toRegistryError, type RegistryContext } from '../src'

const REGISTRY = '127.0.0.1:5000'
const ERRORS: Record<number, [string, string]> = {
  404: ['MANIFEST_UNKNOWN', 'manifest unknown'],
  403: ['DENIED', 'requested access to the resource is denied'],
  429: ['TOOMANYREQUESTS', 'too many requests'],
  503: ['UNAVAILABLE', 'service unavailable'],
}

/** A one-layer linux/amd64 image, pushed by skopeo from an OCI layout it writes; returns its manifest digest. */
function pushImage(repository: string, tag: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'toolkit-registry-'))
  try {
    const blobs = join(dir, 'blobs', 'sha256')
    mkdirSync(blobs, { recursive: true })
    const put = (bytes: string | Buffer) => {
      const digest = sha256Digest(bytes)
      writeFileSync(join(blobs, digest.slice('sha256:'.length)), bytes)
      return { digest, size: Buffer.byteLength(bytes) }
    }
    const tar = Buffer.alloc(1024) // an empty tar archive: two zero blocks
    const layer = put(gzipSync(tar))
    const config = put(JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [sha256Digest(tar)] }, config: {} }))
    const manifest = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
    })
    const described = put(manifest)
    writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...described }] }))
    execFileSync('skopeo', ['copy', '--quiet', '--preserve-digests', '--dest-tls-verify=false', `oci:${dir}`, `docker://${REGISTRY}/${repository}:${tag}`])
    return described.digest
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

interface FaultProxy {
  host: string
  /** Requests seen, as "METHOD /path". */
  requests: string[]
  failNext: (count: number, status: number, match: RegExp) => void
  stop: () => Promise<void>
}

/** A reverse proxy on loopback in front of the registry that answers the next matching requests with `status`. */
async function startFaultProxy(): Promise<FaultProxy> {
  const requests: string[] = []
  let failing = { count: 0, status: 0, match: /./ }
  const server: Server = createServer((req, res) => {
    const line = `${req.method} ${(req.url ?? '/').split('?')[0]}`
    requests.push(line)
    if (failing.count > 0 && failing.match.test(line)) {
      failing.count--
      const [code, message] = ERRORS[failing.status] ?? ['UNKNOWN', 'unknown error']
      res.writeHead(failing.status, { 'Content-Type': 'application/json' })
      res.end(JSON.stringify({ errors: [{ code, message }] }))
      req.resume()
      return
    }
    const [host, port] = REGISTRY.split(':')
    const upstream = httpRequest({ host, port: Number(port), method: req.method, path: req.url, headers: req.headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers)
      up.pipe(res)
    })
    upstream.on('error', () => res.destroy())
    req.pipe(upstream)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    host: `127.0.0.1:${port}`,
    requests,
    failNext: (count, status, match) => void (failing = { count, status, match }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

const repository = `toolkit-registry-tools/${process.pid}-${Date.now()}`
let digest = ''
let proxy: FaultProxy
const ctx: RegistryContext = { maxAttempts: 3, timeoutSeconds: 60 }

beforeAll(async () => {
  digest = pushImage(repository, 'v1')
  proxy = await startFaultProxy()
}, 60_000)

afterAll(async () => {
  await proxy?.stop()
})

describe('retries what another attempt can fix', () => {
  // buildx's resolver (containerd's remotes/docker) already retries a 429 itself, 6 requests in all
  // (measured: one run against a registry that always answers 429), then gives up: so 6 failures
  // fail one run of the tool, and the 7th request, in the second attempt, gets through.
  it.each([
    [429, 6, 'throttled the requests (HTTP 429)'],
    [503, 1, 'answered with a server error (HTTP 5xx)'],
  ])('buildx imagetools inspect answered %i (%i times): warns, tries again, returns the stored bytes', async (status, times, said) => {
    const warnings: string[] = []
    proxy.failNext(times, status, /^(HEAD|GET) \/v2\/.*\/manifests\/v1$/)
    const raw = await inspectRaw(`${proxy.host}/${repository}:v1`, ctx, { warn: (m) => warnings.push(m) })
    expect(sha256Digest(raw)).toBe(digest)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain(said)
    expect(warnings[0]).toMatch(/\(attempt 1 of 3; next in \d+ ms\)$/)
  }, 60_000)

  it('skopeo list-tags answered 503: tries again and lists the tag', async () => {
    const warnings: string[] = []
    proxy.failNext(1, 503, /^GET \/v2\/.*\/tags\/list$/)
    expect(await listTags(`${proxy.host}/${repository}`, ctx, { warn: (m) => warnings.push(m) })).toEqual(['v1'])
    expect(proxy.requests.filter((r) => r.endsWith('/tags/list'))).toHaveLength(2)
    expect(warnings).toEqual([expect.stringMatching(/^listing the tags of 127\.0\.0\.1:\d+\/toolkit-registry-tools\/.*: the registry answered with a server error \(HTTP 5xx\)/)])
  }, 60_000)

  it('manifest unknown: fails at once, unless the reference was just pushed', async () => {
    const name = `${proxy.host}/${repository}:v1`
    proxy.failNext(1, 404, /\/manifests\/v1$/)
    const error = await inspectRaw(name, ctx, { warn: () => undefined }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(RegistryError)
    expect((error as RegistryError).kind).toBe('not-found')

    const warnings: string[] = []
    proxy.failNext(1, 404, /\/manifests\/v1$/)
    const raw = await inspectRaw(name, ctx, { afterPush: true, warn: (m) => warnings.push(m) })
    expect(sha256Digest(raw)).toBe(digest)
    expect(warnings).toEqual([expect.stringMatching(/^reading 127\.0\.0\.1:\d+\/toolkit-registry-tools\/.*: not found in the registry \(attempt 1 of 3/)])
  }, 60_000)
})

describe('does not retry what will not change', () => {
  it('a refusal (403) fails on the first attempt, even right after a push', async () => {
    const warnings: string[] = []
    proxy.failNext(5, 403, /\/manifests\/v1$/)
    const before = proxy.requests.length
    const error = await inspectRaw(`${proxy.host}/${repository}:v1`, ctx, { afterPush: true, warn: (m) => warnings.push(m) }).catch((e: unknown) => e)
    expect((error as RegistryError).kind).toBe('forbidden')
    expect(warnings).toEqual([])
    expect(proxy.requests.slice(before).filter((r) => r.endsWith('/manifests/v1'))).toHaveLength(1)
    proxy.failNext(0, 0, /./)
  }, 60_000)

  it('a registry name that does not resolve (NXDOMAIN) fails on the first attempt', async () => {
    const warnings: string[] = []
    const error = await inspectRaw('nonexistent.invalid/team/vote:v1', ctx, { warn: (m) => warnings.push(m) }).catch((e: unknown) => e)
    expect((error as RegistryError).kind).toBe('unknown-registry')
    expect((error as Error).message).toMatch(/no such host/)
    expect(warnings).toEqual([])
  }, 60_000)
})

describe('deadline', () => {
  it('ends a slow process when its deadline passes and calls it a timeout', async () => {
    const started = Date.now()
    const error = await runTool('sleep', ['30'], 1, { quiet: true }).catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(passedDeadline(error)).toBe('1s')
    const fault = toRegistryError('reading r', error)
    expect(fault.kind).toBe('timeout')
    expect(fault.message).toBe('reading r: the registry did not answer in time (no answer within 1s)')
  }, 30_000)

  it('ends each attempt against a registry that never answers, retrying it as a timeout', async () => {
    const sockets = new Set<import('node:net').Socket>()
    const { createServer: createNetServer } = await import('node:net')
    const hole = createNetServer((socket) => void sockets.add(socket.on('error', () => undefined)))
    await new Promise<void>((resolve) => hole.listen(0, '127.0.0.1', resolve))
    const port = (hole.address() as { port: number }).port
    const warnings: string[] = []
    const started = Date.now()
    try {
      const error = await inspectRaw(`127.0.0.1:${port}/team/vote:v1`, { maxAttempts: 2, timeoutSeconds: 2 }, { warn: (m) => warnings.push(m) }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(RetriesExhaustedError)
      expect((error as RetriesExhaustedError).attempts).toBe(2)
      expect(((error as RetriesExhaustedError).lastError as RegistryError).kind).toBe('timeout')
      expect(warnings).toEqual([expect.stringMatching(/did not answer in time \(no answer within 2s\) \(attempt 1 of 2/)])
      // Two deadlines of 2 s and at most 1 s of backoff, not the minutes a hung registry would take.
      expect(Date.now() - started).toBeLessThan(15_000)
    } finally {
      for (const socket of sockets) socket.destroy()
      await new Promise((resolve) => hole.close(resolve))
    }
  }, 60_000)
})
