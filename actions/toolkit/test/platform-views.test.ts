// The per-platform views of an OCI layout (the pipeline's `platforms` step), on real layouts
// written by test-support's writeLayout: an index with BuildKit's attestation manifests, a layout
// whose index.json names one image manifest directly, and one that holds no platform image.
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
// A relative import: test-support depends on the toolkit, so the toolkit cannot list it as a package.
import { writeLayout } from '../../../tools/test-support/src/layout'
import { blobPath, MEDIA_TYPES, platformImages, writePlatformViews, type LayoutEntry } from '../src/index'

let temp: string
beforeEach(() => {
  temp = mkdtempSync(join(tmpdir(), 'platform-views-'))
})
afterEach(() => rmSync(temp, { recursive: true, force: true }))

/** The descriptors of the layout's image index blob, as writeLayout wrote them. */
function indexDescriptors(dir: string, indexDigest: string): LayoutEntry[] {
  return (JSON.parse(readFileSync(blobPath(dir, indexDigest), 'utf8')) as { manifests: LayoutEntry[] }).manifests
}

const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
]

describe('platformImages', () => {
  it('names each platform image of an index, in order, without its attestation manifests', () => {
    const layout = writeLayout(join(temp, 'layout'), { platforms: PLATFORMS, attestations: true })
    const images = platformImages(layout.dir)
    const descriptors = indexDescriptors(layout.dir, layout.indexDigest)
    expect(descriptors).toHaveLength(6)
    expect(images.map(({ platform, slug }) => [platform, slug])).toEqual([
      ['linux/amd64', 'linux-amd64'],
      ['linux/arm64', 'linux-arm64'],
      ['linux/arm/v7', 'linux-arm-v7'],
    ])
    expect(images.map((image) => image.descriptor)).toEqual(descriptors.filter((d) => d.platform?.os !== 'unknown'))
    expect(images.map((image) => image.digest)).toEqual(images.map((image) => image.descriptor.digest))
  })

  it('takes an image manifest index.json names directly, once however many tags name it', () => {
    const layout = writeLayout(join(temp, 'layout'), { platforms: PLATFORMS.slice(1, 2) })
    const [manifest] = indexDescriptors(layout.dir, layout.indexDigest)
    const tagged = (name: string) => ({ ...manifest, annotations: { 'org.opencontainers.image.ref.name': name } })
    writeFileSync(join(layout.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests: [tagged('latest'), tagged('sha-abc1234')] }))
    expect(platformImages(layout.dir)).toEqual([{ descriptor: tagged('latest'), platform: 'linux/arm64', slug: 'linux-arm64', digest: manifest?.digest }])
  })

  it('names none for an empty index.json, attestations only, or a manifest without a platform', () => {
    const layout = writeLayout(join(temp, 'layout'), { platforms: PLATFORMS.slice(0, 1), attestations: true })
    const [image, attestation] = indexDescriptors(layout.dir, layout.indexDigest)
    const write = (manifests: unknown[]) => writeFileSync(join(layout.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, manifests }))
    write([])
    expect(platformImages(layout.dir)).toEqual([])
    write([attestation])
    expect(platformImages(layout.dir)).toEqual([])
    write([{ ...image, platform: undefined }])
    expect(platformImages(layout.dir)).toEqual([])
  })
})

describe('writePlatformViews', () => {
  it('replaces the views with one layout per platform image: blobs linked, oci-layout copied, an index naming that image', () => {
    const layout = writeLayout(join(temp, 'layout'), { platforms: PLATFORMS.slice(0, 2), attestations: true })
    const views = join(temp, 'views')
    mkdirSync(join(views, 'linux-s390x'), { recursive: true })
    const images = writePlatformViews(layout.dir, views)
    expect(images.map((image) => image.slug)).toEqual(['linux-amd64', 'linux-arm64'])
    expect(existsSync(join(views, 'linux-s390x'))).toBe(false)
    for (const image of images) {
      const view = join(views, image.slug)
      expect(lstatSync(join(view, 'blobs')).isSymbolicLink()).toBe(true)
      expect(readlinkSync(join(view, 'blobs'))).toBe(join(realpathSync(layout.dir), 'blobs'))
      expect(readFileSync(join(view, 'oci-layout'), 'utf8')).toBe(readFileSync(join(layout.dir, 'oci-layout'), 'utf8'))
      // As jq wrote it before: two-space indent, a final newline.
      expect(readFileSync(join(view, 'index.json'), 'utf8')).toBe(`${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [image.descriptor] }, null, 2)}\n`)
      expect(existsSync(blobPath(view, image.digest))).toBe(true)
    }
  })

  it('throws naming the layout as given, and leaves the views alone, when it holds no platform image', () => {
    const layout = writeLayout(join(temp, 'layout'), { platforms: PLATFORMS.slice(0, 1) })
    writeFileSync(join(layout.dir, 'index.json'), '{"schemaVersion":2,"manifests":[]}')
    const views = join(temp, 'views')
    mkdirSync(join(views, 'linux-amd64'), { recursive: true })
    const given = join(temp, '.', 'layout')
    expect(() => writePlatformViews(given, views)).toThrow(`the OCI layout ${given} holds no platform image`)
    expect(existsSync(join(views, 'linux-amd64'))).toBe(true)
  })
})
