// The no-push path on a builder that cannot write a multi-platform OCI layout (the docker
// driver): each platform's image is copied from the engine into one OCI layout with skopeo
// (blobs shared, layers gzip-compressed), then an image index over those manifests becomes the
// layout's single entry, so `skopeo copy --all oci:<dir> docker://...` publishes all platforms.
import { cpSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  blobPath,
  configPlatform,
  DEFAULT_REGISTRY_LIMITS,
  distinctEntries,
  formatPlatform,
  manifestSize,
  MEDIA_TYPES,
  normalisePlatform,
  parseIndex,
  platformKey,
  readLayoutEntries,
  REF_NAME_ANNOTATION,
  runSkopeo,
  sha256Digest,
  type Descriptor,
  type Platform,
} from '@aks-gitops/toolkit'
import { fixedOrder } from './reproducible'

/** The image index over per-platform manifests (each descriptor with its platform), and the layout's index.json naming it `refName`. */
export function layoutIndex(manifests: readonly Descriptor[], refName: string, annotations: Record<string, string>): { indexBlob: string; digest: string; indexJson: string } {
  const index = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests,
    ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
  }
  const indexBlob = JSON.stringify(index)
  const digest = sha256Digest(indexBlob)
  const layoutJson = {
    schemaVersion: 2,
    mediaType: MEDIA_TYPES.ociIndex,
    manifests: [{ mediaType: MEDIA_TYPES.ociIndex, digest, size: Buffer.byteLength(indexBlob), annotations: { [REF_NAME_ANNOTATION]: refName } }],
  }
  return { indexBlob, digest, indexJson: `${JSON.stringify(layoutJson)}\n` }
}

export interface LayoutImage {
  platform: Platform
  /** The image ID in the engine (sha256 of its config). */
  imageId: string
}

export interface ExportedLayout {
  digest: string
  platforms: Array<{ platform: Platform; digest: string; size: number }>
  attestationManifests?: number
}

async function writeLayoutFromEngine(
  dir: string,
  images: readonly LayoutImage[],
  refName: string,
  annotations: Record<string, string>,
): Promise<ExportedLayout> {
  mkdirSync(dir, { recursive: true })
  const manifests: Descriptor[] = []
  const platforms: ExportedLayout['platforms'] = []
  for (const image of images) {
    const name = `staging-${platformKey(image.platform)}`
    // Through the toolkit's skopeo runner for its deadline: a copy from the engine has no registry to wait for, but a stuck engine would hang the step.
    const args = ['copy', '--quiet', '--dest-compress', `docker-daemon:${image.imageId}`, `oci:${dir}:${name}`]
    await runSkopeo(args, DEFAULT_REGISTRY_LIMITS, `copying the ${formatPlatform(image.platform)} image from the engine into ${dir}`)
    const descriptor = (readLayoutEntries(dir) as Descriptor[]).find((m) => m.annotations?.[REF_NAME_ANNOTATION] === name)
    if (!descriptor) throw new Error(`skopeo wrote no manifest named ${name} into ${dir}`)
    const manifest = JSON.parse(readFileSync(blobPath(dir, descriptor.digest), 'utf8')) as { config: Descriptor; layers: Descriptor[] }
    const config = JSON.parse(readFileSync(blobPath(dir, manifest.config.digest), 'utf8')) as { architecture?: string; os?: string }
    // The engine keeps one platform per image: make sure this is the one that was asked for.
    if (config.architecture !== image.platform.architecture || config.os !== image.platform.os) {
      throw new Error(`the image built for ${formatPlatform(image.platform)} is ${config.os}/${config.architecture}`)
    }
    manifests.push({ mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size, platform: image.platform })
    const size = manifest.config.size + manifest.layers.reduce((sum, layer) => sum + layer.size, 0)
    platforms.push({ platform: image.platform, digest: descriptor.digest, size })
  }
  const { indexBlob, digest, indexJson } = layoutIndex(manifests, refName, annotations)
  writeFileSync(blobPath(dir, digest), indexBlob)
  writeFileSync(join(dir, 'index.json'), indexJson)
  return { digest, platforms }
}

function writeMergedLayout(dir: string, sources: readonly string[], refName: string, annotations: Record<string, string>): ExportedLayout {
  mkdirSync(join(dir, 'blobs'), { recursive: true })
  const manifests: Descriptor[] = []
  const platforms: ExportedLayout['platforms'] = []
  let attestations = 0
  for (const source of sources) {
    cpSync(join(source, 'blobs'), join(dir, 'blobs'), { recursive: true })
    // BuildKit >= 0.19 names one image several times (one index.json entry per tag): once each.
    for (const entry of distinctEntries(readLayoutEntries(source) as Descriptor[])) {
      const raw = readFileSync(blobPath(source, entry.digest), 'utf8')
      const contents = parseIndex(raw)
      // An entry is an index (BuildKit with attestations, or this action's own layout) or one image manifest.
      const images = contents.isIndex ? contents.images : [{ ...entry, platform: entry.platform ?? platformOfManifest(source, raw) }]
      for (const image of images) {
        if (!image.platform) throw new Error(`${source}: the manifest ${image.digest} names no platform`)
        // Compared normalised: linux/arm64/v8 from one source and linux/arm64 from another are one platform.
        const key = normalisePlatform(image.platform)
        if (platforms.some((p) => normalisePlatform(p.platform) === key)) throw new Error(`two sources hold ${key}; each mode "platform" job must build another platform`)
        manifests.push({ mediaType: image.mediaType, digest: image.digest, size: image.size, platform: image.platform })
        platforms.push({ platform: image.platform, digest: image.digest, size: manifestSize(readFileSync(blobPath(source, image.digest), 'utf8')) })
      }
      for (const attestation of contents.isIndex ? contents.attestations : []) manifests.push(attestation)
      attestations += contents.isIndex ? contents.attestations.length : 0
    }
  }
  writeFileSync(join(dir, 'oci-layout'), '{"imageLayoutVersion":"1.0.0"}')
  const ordered = fixedOrder(manifests)
  const { indexBlob, digest, indexJson } = layoutIndex(ordered, refName, annotations)
  writeFileSync(blobPath(dir, digest), indexBlob)
  writeFileSync(join(dir, 'index.json'), indexJson)
  // The platforms output follows the index, not the order the sources came in.
  const at = (d: string) => ordered.findIndex((m) => m.digest === d)
  return { digest, platforms: platforms.sort((a, b) => at(a.digest) - at(b.digest)), attestationManifests: attestations }
}

function platformOfManifest(dir: string, raw: string): Platform | undefined {
  const manifest = JSON.parse(raw) as { config?: Descriptor }
  return manifest.config ? configPlatform(readFileSync(blobPath(dir, manifest.config.digest), 'utf8')) : undefined
}

// Writes a layout into `<dir>.partial` and moves it into place only when complete: a failure
// leaves neither a half-written layout nor the removal of a previous one.
async function atomically<T>(dir: string, write: (partial: string) => Promise<T> | T): Promise<T> {
  const partial = `${dir}.partial`
  rmSync(partial, { recursive: true, force: true })
  try {
    const result = await write(partial)
    rmSync(dir, { recursive: true, force: true })
    renameSync(partial, dir)
    return result
  } catch (e) {
    rmSync(partial, { recursive: true, force: true })
    throw e
  }
}

/** Copies each platform's image from the engine into the layout `dir` and writes the index over them. */
export function exportLayoutFromEngine(dir: string, images: readonly LayoutImage[], refName: string, annotations: Record<string, string>): Promise<ExportedLayout> {
  return atomically(dir, (partial) => writeLayoutFromEngine(partial, images, refName, annotations))
}

/**
 * Merges the single-platform layouts of `mode: platform` jobs into one layout (no registry needed):
 * blobs are copied, and a new index lists every source's platform manifests and attestations.
 */
export function mergeLayouts(dir: string, sources: readonly string[], refName: string, annotations: Record<string, string>): Promise<ExportedLayout> {
  return atomically(dir, (partial) => writeMergedLayout(partial, sources, refName, annotations))
}
