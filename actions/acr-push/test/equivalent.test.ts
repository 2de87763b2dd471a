import { describe, expect, it } from 'vitest'
import { sameImageManifests } from '../src/equivalent'

const image = (arch: string, digest: string) => ({ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 1, platform: { os: 'linux', architecture: arch } })
const attestation = (of: string, digest: string) => ({
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
  digest,
  size: 1,
  platform: { os: 'unknown', architecture: 'unknown' },
  annotations: { 'vnd.docker.reference.digest': of, 'vnd.docker.reference.type': 'attestation-manifest' },
})
const index = (...manifests: object[]) => JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests })
const A = `sha256:${'a'.repeat(64)}`
const B = `sha256:${'b'.repeat(64)}`

describe('sameImageManifests', () => {
  it('is true when only the attestation manifests differ', () => {
    expect(sameImageManifests(index(image('amd64', A), image('arm64', B), attestation(A, 'sha256:1'), attestation(B, 'sha256:2')), index(image('amd64', A), image('arm64', B), attestation(A, 'sha256:3'), attestation(B, 'sha256:4')))).toBe(true)
    // Order does not matter; attestations may be absent on one side.
    expect(sameImageManifests(index(image('arm64', B), image('amd64', A)), index(image('amd64', A), image('arm64', B), attestation(A, 'sha256:3')))).toBe(true)
  })

  it('is false for another image manifest, a missing or extra platform, the same digest on another platform, or a single manifest', () => {
    expect(sameImageManifests(index(image('amd64', A), image('arm64', B)), index(image('amd64', A), image('arm64', A)))).toBe(false)
    expect(sameImageManifests(index(image('amd64', A)), index(image('amd64', A), image('arm64', B)))).toBe(false)
    expect(sameImageManifests(index(image('amd64', A), image('arm64', B)), index(image('amd64', A)))).toBe(false)
    expect(sameImageManifests(index(image('amd64', A), image('arm64', B)), index(image('amd64', B), image('arm64', A)))).toBe(false)
    const single = JSON.stringify({ schemaVersion: 2, config: { digest: A, size: 1 }, layers: [] })
    expect(sameImageManifests(single, single)).toBe(false)
    expect(sameImageManifests(index(), index())).toBe(false)
  })
})
