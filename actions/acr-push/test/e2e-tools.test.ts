// The committed bundle, run as the runner runs it, on what it asks of the tools it starts and of the
// registry: a tag is a carbon copy of the checked digest (plain manifests too), tool versions are
// checked first, the tools see no step input or OIDC request token, signed URLs in their errors are
// redacted, and a buildx installed into the job's docker config (setup-buildx-action) is the one used.
// Tools are the real ones; where a test needs to see what a tool received, a wrapper on PATH records
// it and execs the real binary.
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { createServer, request as httpRequest, type Server } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logWithoutMaskCommands, registryDigest, runAcrPush } from './helpers/action'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { listenOnLoopback, startCountingProxy, startRegistry, type CountingProxy, type TestRegistry } from '@aks-gitops/test-support/registry'

const AMD64 = [{ os: 'linux', architecture: 'amd64' }]
const BOTH = [...AMD64, { os: 'linux', architecture: 'arm64' }]
const which = (tool: string) => execFileSync('sh', ['-c', `command -v ${tool}`], { encoding: 'utf8' }).trim()

let registry: TestRegistry
let proxy: CountingProxy
beforeAll(async () => {
  registry = await startRegistry()
  proxy = await startCountingProxy(registry.port)
})
afterAll(async () => {
  await proxy.stop()
  await registry.stop()
})

const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `acr-push-${prefix}-`))

/** A single-platform image pushed as a plain manifest (no index) under `ref`; returns its digest. */
function pushPlainManifest(ref: string): string {
  const layout = writeLayout(tmp('plain'), { platforms: AMD64, layerBytes: 4000 })
  const index = JSON.parse(readFileSync(join(layout.dir, 'blobs', 'sha256', layout.indexDigest.slice(7)), 'utf8')) as { manifests: Array<{ digest: string }> }
  // Without --all skopeo copies the one image of the index: a plain image manifest, bytes kept.
  execFileSync('skopeo', ['copy', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}`, `docker://${ref}`], { stdio: 'ignore' })
  return index.manifests[0]?.digest ?? ''
}

/** A directory for PATH holding `tool` as a script that runs `body` (sh). */
function shim(dir: string, tool: string, body: string): void {
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, tool), `#!/bin/sh\n${body}\n`)
  chmodSync(join(dir, tool), 0o755)
}

describe('a tag lands only on the digest that was checked (plain manifests too)', () => {
  it('retags a plain manifest in place: the tag is the same manifest, not a new index around it', async () => {
    const digest = pushPlainManifest(`${registry.host}/plain/app:src`)
    const run = await runAcrPush({ source: `${proxy.host}/plain/app:src`, destination: `${proxy.host}/plain/app`, tags: 'v1', auth: 'none', 'require-platforms': 'linux/amd64' })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ digest, platforms: 'linux/amd64', tags: `${proxy.host}/plain/app:v1` })
    expect(await registryDigest(registry.host, 'plain/app', 'v1')).toBe(digest)
  })

  it('copies a plain manifest to another repository of the registry with its digest, and tags that digest', async () => {
    const digest = pushPlainManifest(`${registry.host}/plain/svc:src`)
    proxy.reset()
    const run = await runAcrPush({ source: `${proxy.host}/plain/svc:src`, destination: `${proxy.host}/prod/svc`, tags: '1.0.0', auth: 'none', 'require-platforms': 'linux/amd64' })
    expect(run.errors).toEqual([])
    expect(run.outputs.digest).toBe(digest)
    expect(await registryDigest(registry.host, 'prod/svc', '1.0.0')).toBe(digest)
    // Only that manifest was written, first by digest, then under the tag: no other index was made.
    expect(proxy.traffic.requests.filter((r) => r.startsWith('PUT /v2/prod/svc/manifests/'))).toEqual([
      `PUT /v2/prod/svc/manifests/${digest}`,
      'PUT /v2/prod/svc/manifests/1.0.0',
    ])
    // skopeo copied it, so the byte figures are measured.
    expect(run.outputs['bytes-basis']).toBe('measured')
  })
})

describe('tool versions, checked before anything happens', () => {
  it("refuses ubuntu-22.04's skopeo 1.4.1, naming the minimum and the runner image, with no side effect", async () => {
    const bin = tmp('old-skopeo')
    // What skopeo 1.4.1 prints for --version (containers/skopeo v1.4.1 version/version.go, cobra's template).
    shim(bin, 'skopeo', 'echo "skopeo version 1.4.1"')
    const layout = writeLayout(tmp('layout'), { platforms: BOTH, layerBytes: 1000 })
    proxy.reset()
    const run = await runAcrPush({ source: layout.dir, destination: `${proxy.host}/old/app`, tags: 'v1', auth: 'none' }, { PATH: `${bin}:${process.env.PATH}` })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/skopeo 1\.4\.1 is too old: acr-push needs skopeo 1\.6\.0 or newer .*runs-on: ubuntu-24\.04/)
    expect(proxy.traffic.requests).toEqual([])
    expect(run.leftInRunnerTemp).toEqual([])
  })
})

describe('what the tools receive and print', () => {
  it('starts docker and skopeo without INPUT_* or ACTIONS_ID_TOKEN_REQUEST_* in their environment', async () => {
    const bin = tmp('env-record')
    const record = tmp('env-dump')
    for (const tool of ['docker', 'skopeo']) shim(bin, tool, `env > "${record}/${tool}.$$"\nexec ${which(tool)} "$@"`)
    const layout = writeLayout(tmp('layout'), { platforms: BOTH, layerBytes: 1000 })
    const run = await runAcrPush(
      { source: layout.dir, destination: `${proxy.host}/env/app`, tags: 'v1', auth: 'none' },
      { PATH: `${bin}:${process.env.PATH}`, ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'oidc-request-token-5b1e', ACTIONS_ID_TOKEN_REQUEST_URL: 'http://127.0.0.1:9/token' },
    )
    expect(run.errors).toEqual([])
    const dumps = readdirSync(record)
    expect(dumps.some((f) => f.startsWith('docker.'))).toBe(true)
    expect(dumps.some((f) => f.startsWith('skopeo.'))).toBe(true)
    for (const file of dumps) {
      const env = readFileSync(join(record, file), 'utf8')
      expect(env, file).not.toMatch(/^(INPUT_|ACTIONS_ID_TOKEN_REQUEST_)/m)
      expect(env, file).toMatch(/^PATH=/m)
    }
  })

  it('redacts the signature of a signed blob URL in a failed copy, keeping the rest of the error', async () => {
    // A registry that redirects blob downloads to storage, as ACR does with a SAS-signed URL
    // (https://learn.microsoft.com/en-us/azure/container-registry/container-registry-dedicated-data-endpoints),
    // here to a port nothing listens on, as a firewall that blocks the storage endpoint would.
    // Port 9 (discard), not a free port picked now: another test's server could take that one
    // before skopeo follows the redirect, and answer 404 instead of refusing the connection.
    const storagePort = 9
    const signature = 'c2VjcmV0LXNhcy1zaWduYXR1cmU%3D'
    const redirecting: Server = createServer((req, res) => {
      const url = req.url ?? '/'
      if (req.method === 'GET' && /\/blobs\/sha256:/.test(url)) {
        res.writeHead(307, { Location: `http://127.0.0.1:${storagePort}/docker/blob?sv=2024-11-04&se=2026-12-01T00%3A00%3A00Z&sr=b&sp=r&sig=${signature}` })
        res.end()
        return
      }
      const upstream = httpRequest({ host: '127.0.0.1', port: registry.port, method: req.method, path: url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers)
        up.pipe(res)
      })
      req.pipe(upstream)
    })
    const { host: sourceHost, stop: stopRedirecting } = await listenOnLoopback(redirecting)
    try {
      const layout = writeLayout(tmp('layout'), { platforms: BOTH, layerBytes: 1000 })
      execFileSync('skopeo', ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${layout.dir}`, `docker://${registry.host}/signed/app:v1`], { stdio: 'ignore' })
      const target = await startRegistry()
      try {
        const run = await runAcrPush({ source: `${sourceHost}/signed/app:v1`, destination: `${target.host}/signed/app`, auth: 'none', 'max-attempts': '1' })
        expect(run.exitCode).toBe(1)
        const log = logWithoutMaskCommands(run)
        expect(run.errors.join('\n')).toMatch(/sig=\*\*\*/)
        expect(run.errors.join('\n')).toContain(`127.0.0.1:${storagePort}/docker/blob?sv=2024-11-04`)
        expect(log).not.toContain(signature)
      } finally {
        await target.stop()
      }
    } finally {
      await stopRedirecting()
    }
  })

  it('keeps using the buildx that setup-buildx-action put into the job\'s docker config', async () => {
    // setup-buildx-action installs buildx as <DOCKER_CONFIG>/cli-plugins/docker-buildx; this one
    // records each call and runs the machine's buildx.
    const jobConfig = tmp('job-docker-config')
    const calls = join(jobConfig, 'calls.log')
    const systemBuildx = ['/usr/local/lib', '/usr/local/libexec', '/usr/lib', '/usr/libexec'].map((d) => `${d}/docker/cli-plugins/docker-buildx`).find(existsSync)
    expect(systemBuildx).toBeDefined()
    shim(join(jobConfig, 'cli-plugins'), 'docker-buildx', `echo "$*" >> "${calls}"\nexec ${systemBuildx} "$@"`)
    const layout = writeLayout(tmp('layout'), { platforms: BOTH, layerBytes: 1000 })
    const run = await runAcrPush({ source: layout.dir, destination: `${proxy.host}/plugins/app`, tags: 'v1', auth: 'none' }, { DOCKER_CONFIG: jobConfig })
    expect(run.errors).toEqual([])
    expect(readFileSync(calls, 'utf8')).toMatch(/^buildx imagetools inspect --raw /m)
    expect(run.leftInRunnerTemp).toEqual([])
  })
})
