// Writes a multi-arch OCI image layout by hand (index.json, oci-layout, blobs/sha256/*), so the
// tests and the benchmark need no engine and no network to make an image.
import { randomBytes } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { blobPath, MEDIA_TYPES, sha256Digest } from '@aks-gitops/toolkit'

export interface LayoutPlatform {
  os: string
  architecture: string
  variant?: string
}

export interface LayoutOptions {
  platforms: LayoutPlatform[]
  /** Bytes of random data per platform layer (random data does not compress). */
  layerBytes?: number
  /** Layers per platform. */
  layers?: number
  /** Add a BuildKit-style attestation manifest (platform unknown/unknown) per platform. */
  attestations?: boolean
  /** Layer blobs shared by every platform (like a common base), in bytes; 0 for none. */
  sharedLayerBytes?: number
  /** Annotations of the index (buildx-multiarch copies the org.opencontainers.image.* labels there). */
  indexAnnotations?: Record<string, string>
  /** Labels in every platform's config. */
  labels?: Record<string, string>
}

export interface Layout {
  dir: string
  indexDigest: string
  /** The config and layer blobs (what a registry stores as blobs, not manifests) with their sizes. */
  blobs: Map<string, number>
  /** Config + layer bytes: what a registry stores as blobs. */
  blobBytes: number
}

const INDEX = MEDIA_TYPES.ociIndex
const MANIFEST = MEDIA_TYPES.ociManifest
// Config and layer media types only this writer needs (the actions read neither).
const CONFIG = 'application/vnd.oci.image.config.v1+json'
const LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip'

// A one-file tar archive (ustar header + data + padding + two zero blocks).
function tarWithFile(name: string, data: Buffer): Buffer {
  const header = Buffer.alloc(512)
  header.write(name, 0, 100, 'utf8')
  header.write('0000644\0', 100)
  header.write('0000000\0', 108)
  header.write('0000000\0', 116)
  header.write(`${data.length.toString(8).padStart(11, '0')}\0`, 124)
  header.write('00000000000\0', 136)
  header.write('        ', 148)
  header.write('0', 156)
  header.write('ustar\0', 257)
  header.write('00', 263)
  let sum = 0
  for (const byte of header) sum += byte
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148)
  const padding = Buffer.alloc((512 - (data.length % 512)) % 512)
  return Buffer.concat([header, data, padding, Buffer.alloc(1024)])
}

export function writeLayout(dir: string, options: LayoutOptions): Layout {
  mkdirSync(join(dir, 'blobs', 'sha256'), { recursive: true })
  const blobs = new Map<string, number>()
  let blobBytes = 0
  const put = (data: Buffer, counted: boolean): { digest: string; size: number } => {
    const digest = sha256Digest(data)
    writeFileSync(blobPath(dir, digest), data)
    if (counted && !blobs.has(digest)) {
      blobs.set(digest, data.length)
      blobBytes += data.length
    }
    return { digest, size: data.length }
  }
  const putJson = (value: unknown, counted: boolean) => put(Buffer.from(JSON.stringify(value)), counted)
  // An image manifest over a config and layers, as buildx writes them (not counted: manifests are not layer bytes).
  const putManifest = (config: { digest: string; size: number }, layers: object[]) =>
    putJson({ schemaVersion: 2, mediaType: MANIFEST, config: { mediaType: CONFIG, ...config }, layers }, false)
  const layerBytes = options.layerBytes ?? 1024
  const shared = options.sharedLayerBytes
    ? put(gzipSync(tarWithFile('shared.bin', randomBytes(options.sharedLayerBytes)), { level: 1 }), true)
    : undefined

  const manifests: object[] = []
  for (const platform of options.platforms) {
    const layers = shared ? [shared] : []
    for (let i = 0; i < (options.layers ?? 1); i++) {
      const file = tarWithFile(`${platform.architecture}-${i}.bin`, randomBytes(layerBytes))
      layers.push(put(gzipSync(file, { level: 1 }), true))
    }
    const config = putJson(
      {
        architecture: platform.architecture,
        os: platform.os,
        ...(platform.variant ? { variant: platform.variant } : {}),
        config: options.labels ? { Labels: options.labels } : {},
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      },
      true,
    )
    const manifest = putManifest(
      config,
      layers.map((l) => ({ mediaType: LAYER, ...l })),
    )
    manifests.push({ mediaType: MANIFEST, ...manifest, platform })
    if (options.attestations) {
      const statement = putJson({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ digest: manifest.digest }] }, true)
      const emptyConfig = putJson({ architecture: 'unknown', os: 'unknown', config: {}, rootfs: { type: 'layers', diff_ids: [] } }, true)
      const attestation = putManifest(emptyConfig, [
        { mediaType: 'application/vnd.in-toto+json', ...statement, annotations: { 'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2' } },
      ])
      manifests.push({
        mediaType: MANIFEST,
        ...attestation,
        platform: { os: 'unknown', architecture: 'unknown' },
        annotations: { 'vnd.docker.reference.digest': manifest.digest, 'vnd.docker.reference.type': 'attestation-manifest' },
      })
    }
  }
  const annotations = options.indexAnnotations ? { annotations: options.indexAnnotations } : {}
  const index = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests, ...annotations }))
  const indexBlob = put(index, false)
  writeFileSync(join(dir, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }))
  writeFileSync(join(dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: INDEX, manifests: [{ mediaType: INDEX, ...indexBlob }] }))
  return { dir, indexDigest: indexBlob.digest, blobs, blobBytes }
}
