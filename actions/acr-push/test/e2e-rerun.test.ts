// Same commit, same image (issue #14): a re-run of the pipeline on one commit rebuilds the same
// index digest (SOURCE_DATE_EPOCH + rewrite-timestamp). Publishing it again must then push
// nothing and write only the tags that do not name it yet. The committed bundle runs against a
// real registry behind a counting proxy, which records every request the action makes.
import { createHash } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startCountingProxy, startRegistry, type CountingProxy, type TestRegistry } from '@aks-gitops/test-support/registry'

const BOTH = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]
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

/**
 * A copy of the layout as a second build of the same commit writes it with attestations on: the
 * image manifests byte-identical, each provenance manifest different (BuildKit records the
 * build's start time and invocation ID), so the index digest differs.
 */
function rebuiltWithOtherProvenance(dir: string): { dir: string; indexDigest: string } {
  const copy = mkdtempSync(join(tmpdir(), 'acr-push-rerun-'))
  cpSync(dir, copy, { recursive: true })
  const blob = (digest: string) => join(copy, 'blobs', 'sha256', digest.slice('sha256:'.length))
  const put = (text: string) => {
    const digest = `sha256:${createHash('sha256').update(text).digest('hex')}`
    writeFileSync(blob(digest), text)
    return { digest, size: Buffer.byteLength(text) }
  }
  const top = JSON.parse(readFileSync(join(copy, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; size: number }> }
  const index = JSON.parse(readFileSync(blob(top.manifests[0]?.digest ?? ''), 'utf8')) as { manifests: Array<{ digest: string; size: number; annotations?: Record<string, string> }> }
  for (const entry of index.manifests) {
    if (entry.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest') continue
    const manifest = JSON.parse(readFileSync(blob(entry.digest), 'utf8')) as Record<string, unknown>
    Object.assign(entry, put(JSON.stringify({ ...manifest, annotations: { 'invocation-id': 'a second build' } })))
  }
  const written = put(JSON.stringify(index))
  Object.assign(top.manifests[0] ?? {}, written)
  writeFileSync(join(copy, 'index.json'), JSON.stringify(top))
  return { dir: copy, indexDigest: written.digest }
}

const writes = () => proxy.traffic.requests.filter((r) => r.startsWith('PUT ') || r.startsWith('POST ') || r.startsWith('PATCH '))

describe('publishing a digest that is already there', () => {
  it('pushes nothing and writes only the missing tags', async () => {
    const layout = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-rerun-')), { platforms: BOTH, layerBytes: 100_000, attestations: true })
    const destination = `${proxy.host}/team/vote`
    const first = await runAcrPush({ source: layout.dir, destination, tags: 'sha-0a1b2c3', auth: 'none' })
    expect(first.exitCode, first.stdout).toBe(0)

    // The re-run: the same layout (same digest), the commit's tag plus one that is new.
    proxy.reset()
    const again = await runAcrPush({ source: layout.dir, destination, tags: 'sha-0a1b2c3\n1.0.0-rc.2', auth: 'none' })
    expect(again.exitCode, again.stdout).toBe(0)
    expect(again.outputs.digest).toBe(layout.indexDigest)
    expect(again.outputs.tags).toBe(`${destination}:sha-0a1b2c3\n${destination}:1.0.0-rc.2`)
    expect(again.outputs['bytes-uploaded']).toBe('0')
    // One write: the new tag. No blob upload, no manifest PUT by digest, the old tag left alone.
    expect(writes()).toEqual(['PUT /v2/team/vote/manifests/1.0.0-rc.2'])
    expect(again.stdout).toContain(`${destination}:sha-0a1b2c3 already name ${layout.indexDigest}: not written again`)
    expect(again.summary).toContain('digest already in the repository: tags only')
    for (const tag of ['sha-0a1b2c3', '1.0.0-rc.2']) expect(await registryDigest(registry.host, 'team/vote', tag)).toBe(layout.indexDigest)

    // Once more: every tag is there, so the registry receives no write at all.
    proxy.reset()
    const third = await runAcrPush({ source: layout.dir, destination, tags: 'sha-0a1b2c3\n1.0.0-rc.2', auth: 'none' })
    expect(third.exitCode, third.stdout).toBe(0)
    expect(writes()).toEqual([])
  })

  it('still moves a tag that names another digest (a mutable tag), and only that one', async () => {
    const destination = `${proxy.host}/team/result`
    const old = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-rerun-')), { platforms: BOTH, layerBytes: 50_000 })
    const current = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-rerun-')), { platforms: BOTH, layerBytes: 60_000 })
    expect((await runAcrPush({ source: old.dir, destination, tags: 'latest', auth: 'none' })).exitCode).toBe(0)
    expect((await runAcrPush({ source: current.dir, destination, tags: 'sha-1111111', auth: 'none' })).exitCode).toBe(0)

    proxy.reset()
    const run = await runAcrPush({ source: current.dir, destination, tags: 'sha-1111111\nlatest', auth: 'none' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(writes()).toEqual(['PUT /v2/team/result/manifests/latest'])
    expect(await registryDigest(registry.host, 'team/result', 'latest')).toBe(current.indexDigest)
  })

  it('keeps the published index when a rebuild differs only in its attestations (provenance), and writes only the new tag', async () => {
    const destination = `${proxy.host}/team/worker`
    const built = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-rerun-')), { platforms: BOTH, layerBytes: 40_000, attestations: true })
    expect((await runAcrPush({ source: built.dir, destination, tags: 'sha-2222222', auth: 'none' })).exitCode).toBe(0)
    const rebuilt = rebuiltWithOtherProvenance(built.dir)
    expect(rebuilt.indexDigest).not.toBe(built.indexDigest)

    proxy.reset()
    const run = await runAcrPush({ source: rebuilt.dir, destination, tags: 'sha-2222222\n1.0.0-rc.3', auth: 'none' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.digest).toBe(built.indexDigest)
    expect(run.stdout).toContain(`${destination}:sha-2222222 names ${built.indexDigest}, whose image manifests are the ones built (${rebuilt.indexDigest} differs only in its attestations): kept`)
    expect(writes()).toEqual(['PUT /v2/team/worker/manifests/1.0.0-rc.3'])
    expect(await registryDigest(registry.host, 'team/worker', '1.0.0-rc.3')).toBe(built.indexDigest)
  })

  it('publishes a rebuild whose image manifests differ, even under the same tag', async () => {
    const destination = `${proxy.host}/team/db`
    const first = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-rerun-')), { platforms: BOTH, layerBytes: 30_000, attestations: true })
    const second = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-rerun-')), { platforms: BOTH, layerBytes: 30_000, attestations: true })
    expect((await runAcrPush({ source: first.dir, destination, tags: 'sha-3333333', auth: 'none' })).exitCode).toBe(0)
    const run = await runAcrPush({ source: second.dir, destination, tags: 'sha-3333333', auth: 'none' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.digest).toBe(second.indexDigest)
    expect(await registryDigest(registry.host, 'team/db', 'sha-3333333')).toBe(second.indexDigest)
  })
})
