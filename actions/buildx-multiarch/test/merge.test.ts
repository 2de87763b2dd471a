// mergeLayouts over hand-written layouts (no engine): a source that is one image manifest takes
// its platform from the image config, normalised as every other platform is, so the check that
// no two sources hold one platform sees linux/arm64/v8 and linux/arm64 as the same.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { blobPath, MEDIA_TYPES, parseIndex, sha256Digest, type Platform } from '@aks-gitops/toolkit'
import { mergeLayouts } from '../src/layout'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function put(dir: string, value: unknown): { digest: string; size: number } {
  const raw = JSON.stringify(value)
  const digest = sha256Digest(raw)
  writeFileSync(blobPath(dir, digest), raw)
  return { digest, size: Buffer.byteLength(raw) }
}

// A layout whose index.json names one image manifest (BuildKit's oci exporter for one platform),
// the entry without a platform, once per tag; or, with `asIndex`, an index naming it with `platform`.
function layout(config: Platform, options: { tags?: string[]; asIndex?: Platform } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'merge-src-'))
  dirs.push(dir)
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
  const configBlob = put(dir, { ...config, rootfs: { type: 'layers', diff_ids: [] } })
  const manifest = put(dir, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociManifest, config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob }, layers: [] })
  const top = options.asIndex
    ? { mediaType: MEDIA_TYPES.ociIndex, ...put(dir, { schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [{ mediaType: MEDIA_TYPES.ociManifest, ...manifest, platform: options.asIndex }] }) }
    : { mediaType: MEDIA_TYPES.ociManifest, ...manifest }
  const tags = options.tags ?? ['latest']
  const manifests = tags.map((tag) => ({ ...top, annotations: { 'org.opencontainers.image.ref.name': tag } }))
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
  return dir
}

function target(): string {
  const dir = mkdtempSync(join(tmpdir(), 'merge-out-'))
  dirs.push(dir)
  return join(dir, 'merged')
}

describe('mergeLayouts', () => {
  it('merges an amd64 and an arm64 single-manifest layout, each named once per tag, into one index', async () => {
    const out = target()
    const merged = await mergeLayouts(out, [layout({ os: 'linux', architecture: 'amd64' }, { tags: ['a', 'b'] }), layout({ os: 'linux', architecture: 'arm64', variant: 'v8' })], 'x', {})
    expect(merged.platforms.map((p) => p.platform)).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }])
    const index = parseIndex(readFileSync(blobPath(out, merged.digest), 'utf8'))
    expect(index.images.map((d) => d.platform)).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }])
  })

  it('refuses two sources that hold linux/arm64, whether spelled linux/arm64/v8 in a config or linux/arm64 in an index', async () => {
    const v8 = layout({ os: 'linux', architecture: 'arm64', variant: 'v8' })
    const plain = layout({ os: 'linux', architecture: 'arm64' }, { asIndex: { os: 'linux', architecture: 'arm64' } })
    await expect(mergeLayouts(target(), [v8, plain], 'x', {})).rejects.toThrow('two sources hold linux/arm64; each mode "platform" job must build another platform')
    await expect(mergeLayouts(target(), [plain, v8], 'x', {})).rejects.toThrow('two sources hold linux/arm64; each mode "platform" job must build another platform')
  })

  it('refuses an index entry spelled linux/arm64/v8 next to a linux/arm64 source', async () => {
    const v8 = layout({ os: 'linux', architecture: 'arm64' }, { asIndex: { os: 'linux', architecture: 'arm64', variant: 'v8' } })
    const plain = layout({ os: 'linux', architecture: 'arm64' })
    await expect(mergeLayouts(target(), [plain, v8], 'x', {})).rejects.toThrow('two sources hold linux/arm64; each mode "platform" job must build another platform')
  })
})
