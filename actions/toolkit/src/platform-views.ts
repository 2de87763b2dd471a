// One OCI layout per platform image of a multi-platform layout, the blobs shared: grype and syft
// read a layout whose index.json names one image (why: the comment on pipeline.yml's `platforms`
// step, which writes these views through the `platform-views` event of buildx-multiarch's plan entry).
// https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { blobPath, MEDIA_TYPES } from './oci-index'
import { distinctEntries, readLayoutEntries, type LayoutEntry } from './oci-layout'
import { formatPlatform, isAttestationPlatform, platformKey } from './platforms'

/** One platform image of a layout: its index descriptor, as written, and how the views name it. */
export interface PlatformImage {
  descriptor: LayoutEntry
  /** `linux/arm64`, as the descriptor spells it. */
  platform: string
  /** `linux-arm64`: the view's directory name. */
  slug: string
  digest: string
}

const INDEX_TYPES: ReadonlySet<string> = new Set([MEDIA_TYPES.ociIndex, MEDIA_TYPES.dockerList])

/** The descriptors an image index blob of the layout names. */
function indexManifests(dir: string, entry: LayoutEntry): LayoutEntry[] {
  const index = JSON.parse(readFileSync(blobPath(dir, String(entry.digest)), 'utf8')) as { manifests?: unknown }
  return Array.isArray(index.manifests) ? (index.manifests as LayoutEntry[]) : []
}

/**
 * The platform images a layout holds, in index order: index.json names the image index (or the
 * images themselves); BuildKit's attestation manifests (platform unknown/unknown) are not images.
 */
export function platformImages(dir: string): PlatformImage[] {
  const descriptors = distinctEntries(readLayoutEntries(dir)).flatMap((entry) => (INDEX_TYPES.has(entry.mediaType ?? '') ? indexManifests(dir, entry) : [entry]))
  return distinctEntries(descriptors).flatMap((descriptor) => {
    const written = descriptor.platform
    if (!written || isAttestationPlatform(written)) return []
    return [{ descriptor, platform: formatPlatform(written), slug: platformKey(written), digest: String(descriptor.digest) }]
  })
}

/** A view's index.json: an OCI image index naming only `descriptor`. */
function viewIndexJson(descriptor: LayoutEntry): string {
  return `${JSON.stringify({ schemaVersion: 2, mediaType: MEDIA_TYPES.ociIndex, manifests: [descriptor] }, null, 2)}\n`
}

/**
 * Replaces `viewsDir` with one layout per platform image of the layout at `dir`, named by its slug:
 * `blobs` a symlink to the layout's blobs, `oci-layout` copied, an index.json naming that image.
 * Throws, changing nothing, when the layout holds no platform image.
 */
export function writePlatformViews(dir: string, viewsDir: string): PlatformImage[] {
  const images = platformImages(dir)
  if (images.length === 0) throw new Error(`the OCI layout ${dir} holds no platform image`)
  // The views may be read from another working directory: the link names the layout's real path.
  const layout = realpathSync(dir)
  rmSync(viewsDir, { recursive: true, force: true })
  for (const image of images) {
    const view = join(viewsDir, image.slug)
    mkdirSync(view, { recursive: true })
    symlinkSync(join(layout, 'blobs'), join(view, 'blobs'))
    copyFileSync(join(layout, 'oci-layout'), join(view, 'oci-layout'))
    writeFileSync(join(view, 'index.json'), viewIndexJson(image.descriptor))
  }
  return images
}
