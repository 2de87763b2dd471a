import { describe, expect, it } from 'vitest'
import { blobPath, indexPlatforms, manifestSize, parseIndex, sha256Digest } from '../src/oci-index'

const digest = (c: string) => `sha256:${c.repeat(64)}`

describe('parseIndex', () => {
  it('lists the platforms of a BuildKit index and separates its attestation manifests', () => {
    const raw = JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('a'), size: 100, platform: { os: 'linux', architecture: 'amd64' } },
        { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: digest('b'), size: 200, platform: { os: 'linux', architecture: 'arm64', variant: 'v8' } },
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          digest: digest('c'),
          size: 300,
          platform: { os: 'unknown', architecture: 'unknown' },
          annotations: { 'vnd.docker.reference.digest': digest('a'), 'vnd.docker.reference.type': 'attestation-manifest' },
        },
      ],
    })
    const contents = parseIndex(raw)
    expect(contents.isIndex).toBe(true)
    expect(indexPlatforms(contents)).toEqual(['linux/amd64', 'linux/arm64'])
    expect(contents.attestations.map((d) => d.digest)).toEqual([digest('c')])
  })

  it('reads a Docker manifest list and recognises a single manifest', () => {
    const list = { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [{ mediaType: 'x', digest: digest('d'), size: 1, platform: { os: 'linux', architecture: 'arm', variant: 'v7' } }] }
    expect(indexPlatforms(parseIndex(JSON.stringify(list)))).toEqual(['linux/arm/v7'])
    const manifest = { schemaVersion: 2, config: { size: 10 }, layers: [{ size: 5 }, { size: 7 }] }
    expect(parseIndex(JSON.stringify(manifest)).isIndex).toBe(false)
    expect(manifestSize(JSON.stringify(manifest))).toBe(22)
  })

  it('rejects what is neither an index nor a manifest', () => {
    expect(() => parseIndex('not json')).toThrow(/not JSON/)
    expect(() => parseIndex('{"schemaVersion":2}')).toThrow(/neither/)
    expect(() => parseIndex('{"manifests":[{"digest":"x"}]}')).toThrow(/digest or size/)
  })
})

describe('sha256Digest', () => {
  it('digests the exact bytes', () => {
    expect(sha256Digest('')).toBe('sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Digest('{}\n')).not.toBe(sha256Digest('{}'))
  })
})

describe('blobPath', () => {
  it('names blobs/<algorithm>/<hex> inside the layout', () => {
    expect(blobPath('/tmp/layout', digest('a'))).toBe(`/tmp/layout/blobs/sha256/${'a'.repeat(64)}`)
  })

  it('refuses a digest that would name another path', () => {
    expect(() => blobPath('/tmp/layout', 'sha256:../../etc/passwd')).toThrow(/^the OCI layout at \/tmp\/layout names an invalid digest "sha256:\.\.\/\.\.\/etc\/passwd": /)
    expect(() => blobPath('/tmp/layout', 'nocolon')).toThrow(/algorithm:hex/)
  })
})
