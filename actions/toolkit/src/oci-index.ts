// Reads OCI image indexes and Docker manifest lists (the raw JSON a registry or an OCI layout
// holds): which platforms they carry and which entries are attestations; where a layout keeps a
// blob. Pure: no I/O.
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { digestProblem } from './image-ref'
import { isAttestationPlatform, normalisePlatform, type Platform } from './platforms'

export const MEDIA_TYPES = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
} as const

export interface Descriptor {
  mediaType: string
  digest: string
  size: number
  platform?: Platform
  annotations?: Record<string, string>
}

export interface IndexContents {
  /** True for an index/manifest list, false for a single-platform manifest. */
  isIndex: boolean
  mediaType: string
  /** Image manifests with their platform (attestation entries excluded). */
  images: Descriptor[]
  /** `unknown/unknown` entries: BuildKit's provenance and SBOM attestation manifests. */
  attestations: Descriptor[]
}

/** `sha256:<hex>` of the exact bytes: a manifest's digest is the digest of its raw JSON. */
export function sha256Digest(raw: string | Buffer): string {
  return `sha256:${createHash('sha256').update(raw).digest('hex')}`
}

function toDescriptor(entry: unknown): Descriptor {
  const e = entry as Record<string, unknown>
  if (typeof e?.digest !== 'string' || typeof e.size !== 'number') throw new Error('an index entry lacks its digest or size')
  const descriptor: Descriptor = { mediaType: String(e.mediaType ?? ''), digest: e.digest, size: e.size }
  const p = e.platform as Record<string, unknown> | undefined
  if (p && typeof p.os === 'string' && typeof p.architecture === 'string') {
    descriptor.platform = { os: p.os, architecture: p.architecture }
    if (typeof p.variant === 'string' && p.variant !== '') descriptor.platform.variant = p.variant
  }
  if (e.annotations && typeof e.annotations === 'object') descriptor.annotations = e.annotations as Record<string, string>
  return descriptor
}

/** Parses an index, manifest list or single manifest. Throws on JSON that is none of these. */
export function parseIndex(raw: string): IndexContents {
  let doc: Record<string, unknown>
  try {
    doc = JSON.parse(raw) as Record<string, unknown>
  } catch {
    throw new Error('the manifest is not JSON')
  }
  const mediaType = String(doc.mediaType ?? '')
  if (Array.isArray(doc.manifests)) {
    const entries = doc.manifests.map(toDescriptor)
    return {
      isIndex: true,
      mediaType: mediaType || MEDIA_TYPES.ociIndex,
      // BuildKit marks attestation manifests with platform unknown/unknown and a reference-type annotation.
      images: entries.filter((d) => !(d.platform && isAttestationPlatform(d.platform)) && d.annotations?.['vnd.docker.reference.type'] === undefined),
      attestations: entries.filter((d) => (d.platform && isAttestationPlatform(d.platform)) || d.annotations?.['vnd.docker.reference.type'] !== undefined),
    }
  }
  if (doc.config && Array.isArray(doc.layers)) return { isIndex: false, mediaType: mediaType || MEDIA_TYPES.ociManifest, images: [], attestations: [] }
  throw new Error('the document is neither an image index nor an image manifest')
}

/** The platforms of an index's images, normalised (`linux/arm64/v8` -> `linux/arm64`), in index order. */
export function indexPlatforms(contents: IndexContents): string[] {
  return contents.images.flatMap((d) => (d.platform ? [normalisePlatform(d.platform)] : []))
}

/**
 * Where an OCI image layout keeps a blob: `<dir>/blobs/<algorithm>/<hex>`
 * (https://github.com/opencontainers/image-spec/blob/main/image-layout.md#blobs). A digest that
 * is not algorithm:hex is refused: it could name a path outside the layout.
 */
export function blobPath(dir: string, digest: string): string {
  const problem = digestProblem(digest)
  if (problem) throw new Error(`the OCI layout at ${dir} names an invalid digest "${digest}": ${problem}`)
  const [algorithm = '', hex = ''] = digest.split(':')
  return join(dir, 'blobs', algorithm, hex)
}

/** Total size of an image manifest's config and layers (what a pull downloads, compressed). */
export function manifestSize(raw: string): number {
  const doc = JSON.parse(raw) as { config?: { size?: number }; layers?: Array<{ size?: number }> }
  return (doc.config?.size ?? 0) + (doc.layers ?? []).reduce((sum, layer) => sum + (layer.size ?? 0), 0)
}
