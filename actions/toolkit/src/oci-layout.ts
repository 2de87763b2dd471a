// The OCI image layout contract between the actions: what a layout's index.json names (BuildKit
// names one image once per tag), the platform a single image manifest's config gives, and the
// org.opencontainers.image.* keys the actions write and read. buildx-multiarch writes and merges
// layouts, acr-push publishes them. Only `readLayoutEntries` reads a file.
// https://github.com/opencontainers/image-spec/blob/v1.1.1/image-layout.md
// https://github.com/opencontainers/image-spec/blob/v1.1.1/annotations.md
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { errorMessage } from './errors'
import { isAttestationPlatform, normalisedPlatform, type Platform } from './platforms'

/** The prefix of the pre-defined annotation and label keys. */
export const OCI_IMAGE_KEY_PREFIX = 'org.opencontainers.image.'
/** The name of an index.json entry (a tag), which `skopeo copy oci:<dir>:<name>` selects by. */
export const REF_NAME_ANNOTATION = `${OCI_IMAGE_KEY_PREFIX}ref.name`
/** The commit an image was built from: buildx-multiarch writes it, promotion and redeploy read it. */
export const REVISION_LABEL = `${OCI_IMAGE_KEY_PREFIX}revision`

/** An index.json entry as written: nothing is trusted until checked. */
export interface LayoutEntry {
  mediaType?: string
  digest?: unknown
  size?: number
  platform?: Platform
  annotations?: Record<string, string>
}

/** The entries of `<dir>/index.json`, as written (several may name one digest: see `distinctEntries`). */
export function readLayoutEntries(dir: string): LayoutEntry[] {
  let top: { manifests?: unknown }
  try {
    top = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as typeof top
  } catch (e) {
    throw new Error(`the OCI layout at ${dir} has an unreadable index.json: ${errorMessage(e)}`)
  }
  return Array.isArray(top?.manifests) ? (top.manifests as LayoutEntry[]) : []
}

/**
 * The entries naming distinct digests, the first of each, in order. BuildKit >= 0.19 writes one
 * entry per image name (`--tag`), all with the same digest (moby/buildkit client/ociindex
 * StoreIndex.Put, commit 01cf0c69f): they are one image.
 */
export function distinctEntries<T extends LayoutEntry>(entries: readonly T[]): T[] {
  return entries.filter((entry, i) => entries.findIndex((other) => other.digest === entry.digest) === i)
}

/**
 * The one image a layout's index.json names, and how skopeo must name it. Entries naming
 * different digests are two images, and publishing one of them would be a guess: refused.
 * `skopeo copy oci:<dir>` refuses a layout with several entries ("more than one image in oci,
 * choose an image"), so the source then names the first entry's ref name.
 */
export function layoutImage(dir: string, entries: readonly LayoutEntry[]): { digest: string; source: string } {
  if (entries.length === 0) throw new Error(`the OCI layout at ${dir} names no image in index.json`)
  const distinct = distinctEntries(entries)
  const digest = distinct[0]?.digest
  if (distinct.length > 1 || typeof digest !== 'string') {
    const listed = entries.map((e) => `${e.annotations?.[REF_NAME_ANNOTATION] ?? '(unnamed)'} -> ${String(e.digest)}`).join(', ')
    throw new Error(`the OCI layout at ${dir} names ${distinct.length} different images in index.json (${listed}); it must hold one image (entries naming the same digest are fine)`)
  }
  if (entries.length === 1) return { digest, source: `oci:${dir}` }
  const name = entries.find((e) => e.annotations?.[REF_NAME_ANNOTATION])?.annotations?.[REF_NAME_ANNOTATION]
  if (!name) throw new Error(`the OCI layout at ${dir} names ${digest} ${entries.length} times in index.json without an ${REF_NAME_ANNOTATION} annotation to choose one by`)
  return { digest, source: `oci:${dir}:${name}` }
}

/**
 * The platform an image config (raw JSON) gives a single image manifest, normalised as index
 * entries are compared (`linux/arm64/v8` -> `linux/arm64`); undefined for an attestation
 * (unknown/unknown) or a config without os and architecture.
 */
export function configPlatform(raw: string): Platform | undefined {
  const config = JSON.parse(raw) as { os?: unknown; architecture?: unknown; variant?: unknown }
  if (typeof config.os !== 'string' || typeof config.architecture !== 'string' || config.os === '' || config.architecture === '') return undefined
  const written = { os: config.os, architecture: config.architecture, ...(typeof config.variant === 'string' && config.variant !== '' ? { variant: config.variant } : {}) }
  return isAttestationPlatform(written) ? undefined : normalisedPlatform(written)
}
