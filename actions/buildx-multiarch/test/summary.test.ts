import { describe, expect, it } from 'vitest'
import { MEDIA_TYPES, parseIndex, REF_NAME_ANNOTATION, sha256Digest } from '@aks-gitops/toolkit'
import { layoutIndex } from '../src/layout'
import { cacheStats, renderSummary, type ActionResult } from '../src/summary'

const LOG = `#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s
#4 [build 1/3] FROM reg/base/node:24-build@sha256:abc
#4 CACHED
#5 [build 2/3] COPY package.json ./
#5 CACHED
#6 [build 3/3] RUN npm ci
#6 DONE 12.1s
#7 [stage-1 1/1] COPY --from=build /app /app
#7 DONE 0.3s
#8 exporting to image
#8 CACHED
`

describe('cacheStats', () => {
  it('counts Dockerfile steps other than FROM and the ones served from cache', () => {
    expect(cacheStats(LOG)).toEqual({ steps: 3, cached: 1 })
    expect(cacheStats('')).toEqual({ steps: 0, cached: 0 })
  })
})

describe('renderSummary', () => {
  const result: ActionResult = {
    mode: 'multi',
    repository: '127.0.0.1:5000/vote',
    digest: 'sha256:aaa',
    image: '127.0.0.1:5000/vote@sha256:aaa',
    tags: ['127.0.0.1:5000/vote:sha-0123456'],
    version: 'sha-0123456',
    pushed: true,
    platforms: [
      { platform: 'linux/amd64', digest: 'sha256:bbb', size: 52_428_800, seconds: 10.04, cache: { steps: 4, cached: 4 } },
      { platform: 'linux/arm64', digest: 'sha256:ccc', size: 1500, seconds: 12.5, cache: { steps: 4, cached: 1 } },
    ],
    builder: { name: 'default', driver: 'docker' },
    cache: 'engine build cache',
    attestations: 'dropped by the docker driver',
    emulation: 'QEMU for linux/arm64 (already registered)',
    seconds: 25,
  }
  it('has the platforms, digests, sizes, build times and cache hits', () => {
    const md = renderSummary(result)
    expect(md).toContain('pushed to `127.0.0.1:5000/vote`')
    expect(md).toContain('| linux/amd64 | `sha256:bbb` | 50 MiB | 10.0 s | 4/4 steps |')
    expect(md).toContain('| linux/arm64 | `sha256:ccc` | 1.5 KiB | 12.5 s | 1/4 steps |')
    expect(md).toContain('- Attestations: dropped by the docker driver')
  })
  it('says where an unpushed build went', () => {
    expect(renderSummary({ ...result, pushed: false, tags: [], ociLayout: '/tmp/l' })).toContain('exported as an OCI layout at `/tmp/l` (not pushed)')
  })
})

describe('layoutIndex', () => {
  it('builds an OCI index over the platform manifests and names it in index.json', () => {
    const manifests = [
      { mediaType: MEDIA_TYPES.ociManifest, digest: 'sha256:1', size: 10, platform: { os: 'linux', architecture: 'amd64' } },
      { mediaType: MEDIA_TYPES.ociManifest, digest: 'sha256:2', size: 11, platform: { os: 'linux', architecture: 'arm64' } },
    ]
    const { indexBlob, digest, indexJson } = layoutIndex(manifests, '1.2.0', { 'org.opencontainers.image.version': '1.2.0' })
    expect(digest).toBe(sha256Digest(indexBlob))
    const index = parseIndex(indexBlob)
    expect(index.images.map((d) => [d.digest, d.platform?.architecture])).toEqual([['sha256:1', 'amd64'], ['sha256:2', 'arm64']])
    expect(JSON.parse(indexBlob).annotations).toEqual({ 'org.opencontainers.image.version': '1.2.0' })
    const top = JSON.parse(indexJson)
    expect(top.manifests).toEqual([{ mediaType: MEDIA_TYPES.ociIndex, digest, size: Buffer.byteLength(indexBlob), annotations: { [REF_NAME_ANNOTATION]: '1.2.0' } }])
  })
})
