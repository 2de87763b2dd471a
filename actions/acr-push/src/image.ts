// Reads what an image is before anything is pushed: its index (or single manifest), the child
// manifests (for blob sizes) and its platforms; from an OCI layout on disk or from a registry.
import { existsSync, readFileSync } from 'node:fs'
import {
  RegistryError,
  blobPath,
  configPlatform,
  errorMessage,
  formatPlatform,
  indexPlatforms,
  inspectConfig,
  inspectRaw,
  layoutImage,
  normalisePlatform,
  parseIndex,
  readLayoutEntries,
  sha256Digest,
  type ImageReference,
  type LayoutEntry,
  type RegistryContext,
  type RetriedOptions,
} from '@aks-gitops/toolkit'
import { withDigest } from './plan'

export interface ImageDetails {
  digest: string
  raw: string
  isIndex: boolean
  /** Raw child manifests by digest (image and attestation manifests). */
  manifests: Map<string, string>
  /** Platforms of the image manifests, normalised; attestation entries (unknown/unknown) excluded. */
  platforms: string[]
  /** A single manifest's image config JSON (read for its platform); undefined for an index. */
  config?: string
  /** For an OCI layout: the skopeo source that names its image (`oci:<dir>`, or `oci:<dir>:<ref name>` when index.json names it several times). */
  layoutSource?: string
}


function readBlob(dir: string, digest: string): string {
  const path = blobPath(dir, digest)
  if (!existsSync(path)) throw new RegistryError('other', `the OCI layout at ${dir} is incomplete: blob ${digest} is missing`)
  const raw = readFileSync(path, 'utf8')
  if (sha256Digest(raw) !== digest) throw new RegistryError('other', `the OCI layout at ${dir} is corrupt: blob ${digest} does not match its digest`)
  return raw
}

/** The image an OCI layout holds: index.json must name exactly one image, once or under several names. */
export function readLayout(dir: string): ImageDetails {
  let entries: LayoutEntry[]
  try {
    entries = readLayoutEntries(dir)
  } catch (e) {
    throw new RegistryError('other', errorMessage(e))
  }
  const { digest, source: layoutSource } = layoutImage(dir, entries)
  const raw = readBlob(dir, digest)
  const index = parseIndex(raw)
  const manifests = new Map<string, string>()
  for (const d of [...index.images, ...index.attestations]) manifests.set(d.digest, readBlob(dir, d.digest))
  if (index.isIndex) return { digest, raw, isIndex: true, manifests, platforms: indexPlatforms(index), layoutSource }
  const config = readBlob(dir, (JSON.parse(raw) as { config: { digest: string } }).config.digest)
  const platform = configPlatform(config)
  return { digest, raw, isIndex: false, manifests, platforms: platform ? [formatPlatform(platform)] : [], config, layoutSource }
}

/** The image a reference names in a registry (a tag is resolved to its digest); `afterPush` when it was just written. */
export async function readRemote(ref: ImageReference, ctx: RegistryContext, options: RetriedOptions = {}): Promise<ImageDetails> {
  const raw = await inspectRaw(ref, ctx, options)
  const digest = sha256Digest(raw)
  if (ref.digest && ref.digest !== digest) {
    throw new RegistryError('other', `the registry returned a manifest whose digest ${digest} differs from the requested ${ref.digest}`)
  }
  const index = parseIndex(raw)
  // The child manifests are independent reads: in parallel (each is a docker process of ~50 ms).
  const children = [...index.images, ...index.attestations]
  const raws = await Promise.all(children.map((d) => inspectRaw(withDigest(ref, d.digest), ctx, options)))
  const manifests = new Map(children.map((d, i) => [d.digest, raws[i] ?? '']))
  if (index.isIndex) return { digest, raw, isIndex: true, manifests, platforms: indexPlatforms(index) }
  const config = await inspectConfig(withDigest(ref, digest), ctx, options)
  return { digest, raw, isIndex: false, manifests, platforms: [normalisePlatform(JSON.parse(config) as { os?: string; architecture?: string; variant?: string })], config }
}
