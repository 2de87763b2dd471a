// Which image an OCI layout's index.json names, and how skopeo must name it. Pure: the caller
// reads index.json.
const REF_NAME = 'org.opencontainers.image.ref.name'

export interface LayoutEntry {
  digest?: unknown
  annotations?: Record<string, string>
}

/**
 * The one image an OCI layout's index.json names, and how skopeo must name it. BuildKit >= 0.19
 * writes one entry per image name (`--tag`), all with the same digest (moby/buildkit
 * client/ociindex StoreIndex.Put, commit 01cf0c69f): accepted. Entries naming different digests
 * are two images, and publishing one of them would be a guess: refused. `skopeo copy oci:<dir>`
 * refuses a layout with several entries ("more than one image in oci, choose an image"), so the
 * source then names the first entry's `org.opencontainers.image.ref.name`.
 */
export function layoutImage(dir: string, entries: readonly LayoutEntry[]): { digest: string; source: string } {
  if (entries.length === 0) throw new Error(`the OCI layout at ${dir} names no image in index.json`)
  const digests = [...new Set(entries.map((e) => e.digest))]
  if (digests.length > 1 || typeof digests[0] !== 'string') {
    const listed = entries.map((e) => `${e.annotations?.[REF_NAME] ?? '(unnamed)'} -> ${String(e.digest)}`).join(', ')
    throw new Error(`the OCI layout at ${dir} names ${digests.length} different images in index.json (${listed}); it must hold one image (entries naming the same digest are fine)`)
  }
  const digest = digests[0]
  if (entries.length === 1) return { digest, source: `oci:${dir}` }
  const name = entries.find((e) => e.annotations?.[REF_NAME])?.annotations?.[REF_NAME]
  if (!name) throw new Error(`the OCI layout at ${dir} names ${digest} ${entries.length} times in index.json without an ${REF_NAME} annotation to choose one by`)
  return { digest, source: `oci:${dir}:${name}` }
}
