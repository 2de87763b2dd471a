// A layout whose index.json names one image several times: what buildx >= 0.20 (BuildKit >= 0.19)
// writes for `--output type=oci,tar=false` with one `--tag` per name, as on a release branch
// (X.Y.Z-rc.N and sha-<7>). BuildKit v0.19.0 client/solve.go passes every name of the exporter's
// "image.name" to client/ociindex StoreIndex.Put, whose insertDesc appends one copy of the
// descriptor per name with `io.containerd.image.name` (the full name) and
// `org.opencontainers.image.ref.name` (the tag) (commit 01cf0c69f, "ociindex: fix handling
// multiple names per descriptor"); the exporter adds `org.opencontainers.image.created`
// (exporter/oci/export.go). Before the fix acr-push refused every such layout. Which image such an
// index.json names is the toolkit's rule (oci-layout.ts `layoutImage`, tested in its oci-layout.test.ts).
import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

const INDEX = 'application/vnd.oci.image.index.v1+json'
const BOTH = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]

/** The index.json entry BuildKit's ociindex writes for one name of the image. */
function entry(digest: string, size: number, name: string) {
  return {
    mediaType: INDEX,
    digest,
    size,
    annotations: {
      'io.containerd.image.name': name,
      'org.opencontainers.image.created': '2026-11-30T05:00:00Z',
      'org.opencontainers.image.ref.name': name.slice(name.lastIndexOf(':') + 1),
    },
  }
}

/** A two-platform layout whose index.json names its index once per tag, as BuildKit >= 0.19 does. */
function buildkitLayout(repository: string, tags: string[]) {
  const layout = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-names-')), { platforms: BOTH, attestations: true })
  const size = (JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as { manifests: Array<{ size: number }> }).manifests[0]?.size ?? 0
  const manifests = tags.map((tag) => entry(layout.indexDigest, size, `${repository}:${tag}`))
  writeFileSync(join(layout.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests }))
  return { ...layout, size }
}

describe('publishing a layout BuildKit named once per tag', () => {
  let registry: TestRegistry
  beforeAll(async () => {
    registry = await startRegistry()
  })
  afterAll(async () => {
    await registry.stop()
  })

  it('publishes the one image with every tag (a release branch: X.Y.Z-rc.N and sha-<7>)', async () => {
    const layout = buildkitLayout(`${registry.host}/team/vote`, ['1.2.0-rc.3', 'sha-0123456'])
    const run = await runAcrPush({ source: layout.dir, destination: `${registry.host}/team/vote`, tags: '1.2.0-rc.3\nsha-0123456', auth: 'none' })
    expect(run.errors).toEqual([])
    expect(run.outputs.digest).toBe(layout.indexDigest)
    expect(run.outputs.platforms).toBe('linux/amd64,linux/arm64')
    for (const tag of ['1.2.0-rc.3', 'sha-0123456']) expect(await registryDigest(registry.host, 'team/vote', tag)).toBe(layout.indexDigest)
  })

  it('refuses a layout naming two different images, before pushing anything', async () => {
    const layout = buildkitLayout(`${registry.host}/team/other`, ['1.2.0-rc.3'])
    const second = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-names-')), { platforms: BOTH })
    const top = JSON.parse(readFileSync(join(layout.dir, 'index.json'), 'utf8')) as { manifests: unknown[] }
    // Copy the second image's index blob into the first layout, and name it too.
    const secondIndex = readFileSync(join(second.dir, 'blobs', 'sha256', second.indexDigest.slice(7)))
    writeFileSync(join(layout.dir, 'blobs', 'sha256', second.indexDigest.slice(7)), secondIndex)
    top.manifests.push(entry(second.indexDigest, secondIndex.length, `${registry.host}/team/other:sha-0123456`))
    writeFileSync(join(layout.dir, 'index.json'), JSON.stringify(top))

    const run = await runAcrPush({ source: layout.dir, destination: `${registry.host}/team/other`, tags: '1.2.0-rc.3', auth: 'none' })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toEqual([
      `the OCI layout at ${layout.dir} names 2 different images in index.json (1.2.0-rc.3 -> ${layout.indexDigest}, sha-0123456 -> ${second.indexDigest}); it must hold one image (entries naming the same digest are fine)`,
    ])
    expect(await registryDigest(registry.host, 'team/other', '1.2.0-rc.3')).toBeUndefined()
  })
})
