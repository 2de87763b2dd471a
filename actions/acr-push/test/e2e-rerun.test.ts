// Same commit, same image (issue #14): a re-run of the pipeline on one commit rebuilds the same
// index digest (SOURCE_DATE_EPOCH + rewrite-timestamp). Publishing it again must then push
// nothing and write only the tags that do not name it yet. The committed bundle runs against a
// real registry behind a counting proxy, which records every request the action makes.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { writeLayout } from './helpers/layout'
import { startCountingProxy, startRegistry, type CountingProxy, type TestRegistry } from './helpers/registry'

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
})
