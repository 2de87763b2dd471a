// The committed bundle, run as the runner runs it, against real registries on loopback (Debian's
// docker-registry; one plain, one with htpasswd basic auth), each behind a counting proxy that
// records the bytes really uploaded and the blob mounts the registry accepted.
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { logWithoutMaskCommands, registryDigest, runAcrPush } from './helpers/action'
import { writeLayout, type Layout } from '@aks-gitops/test-support/layout'
import { freePort, startBlackHole, startCountingProxy, startRegistry, type CountingProxy, type TestRegistry } from '@aks-gitops/test-support/registry'

const USER = 'ci-pusher'
const PASSWORD = 'pw-7d1c2e0f-not-in-logs'
const BASIC: [string, string] = [USER, PASSWORD]
const BOTH = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]

let plain: TestRegistry
let secured: TestRegistry
let plainProxy: CountingProxy
let securedProxy: CountingProxy
const stops: Array<() => Promise<void>> = []

function layout(platforms = BOTH, layerBytes = 150_000): Layout {
  return writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-layout-')), { platforms, layerBytes, attestations: true })
}
const basicInputs = { auth: 'basic', username: USER, password: PASSWORD }

beforeAll(async () => {
  plain = await startRegistry()
  secured = await startRegistry({ user: USER, password: PASSWORD })
  plainProxy = await startCountingProxy(plain.port)
  securedProxy = await startCountingProxy(secured.port)
  stops.push(plainProxy.stop, securedProxy.stop, plain.stop, secured.stop)
})
afterAll(async () => {
  for (const stop of stops) await stop()
})

describe('publishing', () => {
  let published: Layout
  it('pushes a multi-arch layout by digest, then tags it, reporting the bytes that crossed the wire', async () => {
    published = layout()
    securedProxy.reset()
    const run = await runAcrPush({ source: published.dir, destination: `${securedProxy.host}/team/vote`, tags: 'v1\nsha-0a1b2c3', ...basicInputs })
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    expect(run.outputs).toEqual({
      image: `${securedProxy.host}/team/vote@${published.indexDigest}`,
      digest: published.indexDigest,
      platforms: 'linux/amd64,linux/arm64',
      tags: `${securedProxy.host}/team/vote:v1\n${securedProxy.host}/team/vote:sha-0a1b2c3`,
      'bytes-uploaded': String(published.blobBytes),
      'bytes-mounted': '0',
      'bytes-basis': 'measured',
    })
    for (const tag of ['v1', 'sha-0a1b2c3']) expect(await registryDigest(secured.host, 'team/vote', tag, BASIC)).toBe(published.indexDigest)
    // Every blob went up once, and the action's figure is what the proxy saw.
    expect(securedProxy.traffic.uploadedBytes).toBe(published.blobBytes)
    expect(run.outputs['bytes-uploaded']).toBe(String(published.blobBytes))
    expect(run.summary).toContain(`${published.blobBytes} bytes, ${published.blobs.size} blobs`)
    expect(run.summary).toMatch(/bytes mounted<\/td><td>0 B/)
    // The digest was written before any tag: the first manifest PUT names the digest.
    const manifestPuts = securedProxy.traffic.requests.filter((r) => r.startsWith('PUT /v2/team/vote/manifests/'))
    expect(manifestPuts.indexOf(`PUT /v2/team/vote/manifests/${published.indexDigest}`)).toBeLessThan(manifestPuts.indexOf('PUT /v2/team/vote/manifests/v1'))
    // The password was masked, sent on stdin only, and the temporary docker config is gone.
    expect(run.stdout).toContain(`::add-mask::${PASSWORD}`)
    expect(logWithoutMaskCommands(run)).not.toContain(PASSWORD)
    expect(run.stdout).toMatch(/\[command\]docker login 127\.0\.0\.1:\d+ --username ci-pusher --password-stdin/)
    expect(run.leftInRunnerTemp).toEqual([])
    expect(run.post?.exitCode).toBe(0)
  })

  it('retags without pulling or uploading anything', async () => {
    securedProxy.reset()
    const run = await runAcrPush({ source: `${securedProxy.host}/team/vote:v1`, destination: `${securedProxy.host}/team/vote`, tags: 'stable', ...basicInputs })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(await registryDigest(secured.host, 'team/vote', 'stable', BASIC)).toBe(published.indexDigest)
    expect(securedProxy.traffic.uploadedBytes).toBe(0)
    expect(securedProxy.traffic.requests.filter((r) => r.startsWith('GET /v2/team/vote/blobs/'))).toEqual([])
  })

  it('copies within one registry by mounting every blob: no layer uploaded', async () => {
    securedProxy.reset()
    const run = await runAcrPush({ source: `${securedProxy.host}/team/vote:v1`, destination: `${securedProxy.host}/prod/vote`, tags: '1.0.0', ...basicInputs })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.digest).toBe(published.indexDigest)
    expect(await registryDigest(secured.host, 'prod/vote', '1.0.0', BASIC)).toBe(published.indexDigest)
    expect(securedProxy.traffic.uploadedBytes).toBe(0)
    expect(securedProxy.traffic.mounts).toBe(published.blobs.size)
    // buildx says nothing per blob: the figures are inferred and say so (the proxy above is what measured them).
    expect(run.outputs['bytes-basis']).toBe('inferred')
    expect(run.outputs['bytes-uploaded']).toBe('0')
    expect(run.summary).toMatch(/bytes uploaded \(inferred\)<\/td><td>0 B/)
    expect(run.summary).toContain('Byte figures (inferred): inferred, not measured')
    expect(run.summary).not.toMatch(/Bytes measured/)
  })

  it('refuses to move an immutable tag, before pushing anything', async () => {
    const other = layout()
    securedProxy.reset()
    const run = await runAcrPush({ source: other.dir, destination: `${securedProxy.host}/prod/vote`, tags: '1.0.0', 'immutable-tags': 'true', ...basicInputs })
    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toContain(`immutable-tags: refusing to move 1.0.0 -> ${published.indexDigest}`)
    expect(await registryDigest(secured.host, 'prod/vote', '1.0.0', BASIC)).toBe(published.indexDigest)
    expect(await registryDigest(secured.host, 'prod/vote', other.indexDigest, BASIC)).toBeUndefined()
    expect(securedProxy.traffic.uploadedBytes).toBe(0)
    // Re-publishing the same digest under an immutable tag is fine (idempotent reruns).
    const rerun = await runAcrPush({ source: `${securedProxy.host}/team/vote:v1`, destination: `${securedProxy.host}/prod/vote`, tags: '1.0.0', 'immutable-tags': 'true', ...basicInputs })
    expect(rerun.exitCode, rerun.stdout).toBe(0)
  })

  it('verifies an existing image without changing anything (verify-only)', async () => {
    const run = await runAcrPush({ source: `${securedProxy.host}/prod/vote:1.0.0`, 'verify-only': 'true', ...basicInputs })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.digest).toBe(published.indexDigest)
    expect(run.outputs.platforms).toBe('linux/amd64,linux/arm64')
  })
})

describe('promotion across registries', () => {
  it('copies an index from one registry to another with its digest, uploading each blob once', async () => {
    const staged = layout()
    const stage = await runAcrPush({ source: staged.dir, destination: `${plainProxy.host}/staging/vote`, tags: '1.1.0-rc.1', auth: 'none' })
    expect(stage.exitCode, stage.stdout).toBe(0)
    securedProxy.reset()
    const run = await runAcrPush({ source: `${plainProxy.host}/staging/vote:1.1.0-rc.1`, destination: `${securedProxy.host}/prod/vote`, tags: '1.1.0', ...basicInputs })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.digest).toBe(staged.indexDigest)
    expect(await registryDigest(secured.host, 'prod/vote', '1.1.0', BASIC)).toBe(staged.indexDigest)
    // skopeo uploads each blob the destination lacks: all but the tiny attestation config every test
    // image shares, which it mounts or finds present (depending on which tests ran). Its figure is what crossed the wire.
    expect(securedProxy.traffic.uploadedBytes).toBe(Number(run.outputs['bytes-uploaded']))
    expect(securedProxy.traffic.uploadedBytes).toBeGreaterThan(staged.blobBytes - 1000)
    expect(securedProxy.traffic.uploadedBytes + Number(run.outputs['bytes-mounted'])).toBeLessThanOrEqual(staged.blobBytes)
  })

  it('retries a throttled registry (HTTP 429) with backoff, then succeeds', async () => {
    const image = layout(BOTH, 10_000)
    // skopeo absorbs a throttled ping itself; a throttled manifest PUT fails the copy, which the action retries.
    plainProxy.failNext(2, 429, /^PUT \/v2\/throttled\/vote\/manifests\//)
    const run = await runAcrPush({ source: image.dir, destination: `${plainProxy.host}/throttled/vote`, tags: 'v1', auth: 'none', 'max-attempts': '4' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.stdout).toMatch(/::warning::.*throttled the requests \(HTTP 429\)/)
    expect(await registryDigest(plain.host, 'throttled/vote', 'v1')).toBe(image.indexDigest)
  })
})

describe('refusals and faults', () => {
  it('fails a single-arch layout before signing in or pushing', async () => {
    const single = layout([{ os: 'linux', architecture: 'amd64' }])
    plainProxy.reset()
    const run = await runAcrPush({ source: single.dir, destination: `${plainProxy.host}/single/vote`, tags: 'v1', auth: 'none' })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/lacks required platform linux\/arm64 \(it has linux\/amd64\)/)
    expect(plainProxy.traffic.requests).toEqual([])
  })

  it('fails a single-arch image in a registry, leaving the destination tag untouched', async () => {
    const single = layout([{ os: 'linux', architecture: 'amd64' }])
    execFileSync('skopeo', ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${single.dir}`, `docker://${plain.host}/single/vote:amd64-only`], { stdio: 'ignore' })
    const run = await runAcrPush({ source: `${plainProxy.host}/single/vote:amd64-only`, destination: `${securedProxy.host}/prod/single`, tags: 'v1', ...basicInputs })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/single\/vote:amd64-only lacks required platform linux\/arm64/)
    expect(await registryDigest(secured.host, 'prod/single', 'v1', BASIC)).toBeUndefined()
    const verify = await runAcrPush({ source: `${plainProxy.host}/single/vote:amd64-only`, 'verify-only': 'true', auth: 'none' })
    expect(verify.exitCode).toBe(1)
    expect(verify.errors[0]).toMatch(/lacks required platform linux\/arm64/)
  })

  it('reads the platform of a plain manifest (no index) from its config', async () => {
    const single = layout([{ os: 'linux', architecture: 'arm64' }])
    execFileSync('skopeo', ['copy', '--all', '--preserve-digests', '--dest-tls-verify=false', `oci:${single.dir}`, `docker://${plain.host}/plain/vote@${single.indexDigest}`], { stdio: 'ignore' })
    const index = JSON.parse(execFileSync('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${plain.host}/plain/vote@${single.indexDigest}`], { encoding: 'utf8' }))
    const manifestDigest = index.manifests[0].digest as string
    // Without --all, skopeo copies the one platform manifest: a plain image manifest under the tag.
    execFileSync('skopeo', ['copy', '--preserve-digests', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${plain.host}/plain/vote@${manifestDigest}`, `docker://${plain.host}/plain/vote:arm64`], { stdio: 'ignore' })
    const run = await runAcrPush({ source: `${plainProxy.host}/plain/vote:arm64`, 'verify-only': 'true', auth: 'none', 'require-platforms': 'linux/arm64' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs).toMatchObject({ digest: manifestDigest, platforms: 'linux/arm64' })
    const gate = await runAcrPush({ source: `${plainProxy.host}/plain/vote:arm64`, 'verify-only': 'true', auth: 'none' })
    expect(gate.errors[0]).toMatch(/lacks required platform linux\/amd64 \(it has linux\/arm64\)/)
  })

  it('reports a wrong password (401) clearly, without retrying it or leaking it', async () => {
    const image = layout(BOTH, 1000)
    const run = await runAcrPush({ source: image.dir, destination: `${securedProxy.host}/team/vote`, tags: 'bad', auth: 'basic', username: USER, password: 'wrong-password-3c9' })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/docker login to 127\.0\.0\.1:\d+ as ci-pusher: the registry rejected the credentials \(401\)/)
    expect(run.stdout).not.toMatch(/::warning::/)
    expect(logWithoutMaskCommands(run)).not.toContain('wrong-password-3c9')
    expect(run.leftInRunnerTemp).toEqual([])
  })

  it('gives up on a registry that is down after the configured attempts', async () => {
    const image = layout(BOTH, 1000)
    const port = await freePort()
    const run = await runAcrPush({ source: image.dir, destination: `127.0.0.1:${port}/team/vote`, tags: 'v1', auth: 'none', 'max-attempts': '2' })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/the registry is unreachable \(connection refused or reset\)[\s\S]*gave up after 2 attempts/)
  })

  it('reports a refusal (403) as firewall or role, without retrying it', async () => {
    const image = layout(BOTH, 1000)
    plainProxy.reset()
    plainProxy.failNext(1, 403, /^PUT \/v2\/acl\/vote\/manifests\//)
    const run = await runAcrPush({ source: image.dir, destination: `${plainProxy.host}/acl/vote`, tags: 'v1', auth: 'none', 'max-attempts': '3' })
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/refused the request \(403\): usually its firewall or network rules[\s\S]*AcrPush/)
    expect(run.stdout).not.toMatch(/::warning::/)
    expect(await registryDigest(plain.host, 'acl/vote', 'v1')).toBeUndefined()
  })

  it('ends a call to a registry that never answers, and says it timed out', async () => {
    const hole = await startBlackHole()
    try {
      const run = await runAcrPush({ source: `${hole.host}/team/vote:v1`, 'verify-only': 'true', auth: 'none', 'max-attempts': '1', 'command-timeout': '2' })
      expect(run.exitCode).toBe(1)
      expect(run.errors[0]).toMatch(/reading 127\.0\.0\.1:\d+\/team\/vote:v1: the registry did not answer in time \(no answer within 2s\)/)
    } finally {
      await hole.stop()
    }
  })

  it('rejects a malformed destination before doing anything', async () => {
    const image = layout(BOTH, 1000)
    plainProxy.reset()
    const run = await runAcrPush({ source: image.dir, destination: `${plainProxy.host}/Team/Vote`, auth: 'none' })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual([expect.stringMatching(/^Input "destination": invalid image reference .* must be lowercase/)])
    expect(plainProxy.traffic.requests).toEqual([])
  })
})
