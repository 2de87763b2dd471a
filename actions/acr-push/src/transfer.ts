// Bytes uploaded vs mounted vs already present, per blob. skopeo's debug log records what it did
// with each blob (PUT of an upload, "mount OK", "Skipping blob ... (already present)"); the sizes
// come from the image's manifests. Pure: parsing and arithmetic only.
import { parseIndex } from '@aks-gitops/toolkit'

export interface BlobEvidence {
  uploaded: Set<string>
  mounted: Set<string>
}

/**
 * How the figures were obtained: `measured` per blob from skopeo's log; `inferred` for buildx within
 * one registry (it reports nothing per blob); `no-copy` when no blob was copied (a retag).
 */
export type FiguresBasis = 'measured' | 'inferred' | 'no-copy'

export interface TransferFigures {
  /** How the figures were obtained, for the summary. */
  method: 'skopeo-log' | 'buildx-mount' | 'none'
  totalBlobs: number
  totalBytes: number
  uploadedBlobs: number
  uploadedBytes: number
  mountedBlobs: number
  mountedBytes: number
  presentBlobs: number
  presentBytes: number
}

const DIGEST = 'sha256(?::|%3A)([a-f0-9]{64})'

/**
 * Blobs skopeo uploaded (the closing PUT of an upload carries ?digest=) or mounted ("Trying to
 * mount ...mount=<digest>" followed by "... mount OK"). After a successful copy every other blob
 * of the image was already in the destination repository.
 */
export function parseSkopeoDebug(log: string): BlobEvidence {
  const evidence: BlobEvidence = { uploaded: new Set(), mounted: new Set() }
  const put = new RegExp(`PUT \\S+/blobs/uploads/\\S*digest=${DIGEST}`)
  const mount = new RegExp(`Trying to mount \\S+mount=${DIGEST}`)
  let mounting: string | undefined
  for (const line of log.split('\n')) {
    const uploaded = put.exec(line)?.[1]
    if (uploaded) evidence.uploaded.add(`sha256:${uploaded}`)
    const tried = mount.exec(line)?.[1]
    if (tried) mounting = `sha256:${tried}`
    if (line.includes('... mount OK') && mounting) evidence.mounted.add(mounting)
  }
  for (const digest of evidence.uploaded) evidence.mounted.delete(digest)
  return evidence
}

/** Config and layer blobs of every manifest in an index (image and attestation manifests), with sizes. */
export function blobSizes(indexRaw: string, manifests: Map<string, string>): Map<string, number> {
  const sizes = new Map<string, number>()
  const index = parseIndex(indexRaw)
  const raws = index.isIndex ? [...index.images, ...index.attestations].map((d) => manifests.get(d.digest)) : [indexRaw]
  for (const raw of raws) {
    if (!raw) continue
    const doc = JSON.parse(raw) as { config?: { digest: string; size: number }; layers?: Array<{ digest: string; size: number }> }
    for (const blob of [...(doc.config ? [doc.config] : []), ...(doc.layers ?? [])]) sizes.set(blob.digest, blob.size)
  }
  return sizes
}

function sum(sizes: Map<string, number>, digests: Iterable<string>): { blobs: number; bytes: number } {
  let blobs = 0
  let bytes = 0
  for (const digest of digests) {
    const size = sizes.get(digest)
    if (size === undefined) continue
    blobs++
    bytes += size
  }
  return { blobs, bytes }
}

export function figuresFromSkopeo(sizes: Map<string, number>, evidence: BlobEvidence): TransferFigures {
  const uploaded = sum(sizes, evidence.uploaded)
  const mounted = sum(sizes, evidence.mounted)
  const present = sum(sizes, [...sizes.keys()].filter((d) => !evidence.uploaded.has(d) && !evidence.mounted.has(d)))
  const total = sum(sizes, sizes.keys())
  return {
    method: 'skopeo-log',
    totalBlobs: total.blobs,
    totalBytes: total.bytes,
    uploadedBlobs: uploaded.blobs,
    uploadedBytes: uploaded.bytes,
    mountedBlobs: mounted.blobs,
    mountedBytes: mounted.bytes,
    presentBlobs: present.blobs,
    presentBytes: present.bytes,
  }
}

export function figuresBasis(figures: TransferFigures): FiguresBasis {
  return figures.method === 'skopeo-log' ? 'measured' : figures.method === 'buildx-mount' ? 'inferred' : 'no-copy'
}

/**
 * Inferred, not measured: buildx reports no per-blob outcome (not even in its debug log). Within
 * one registry its pusher asks to mount every blob from the source repository, or finds it present,
 * and uploads only what a registry refuses to mount; these figures assume none was refused. The
 * tests and the benchmark check that assumption against a counting proxy in front of the registry.
 */
export function figuresFromMount(sizes: Map<string, number>): TransferFigures {
  const total = sum(sizes, sizes.keys())
  return {
    method: 'buildx-mount',
    totalBlobs: total.blobs,
    totalBytes: total.bytes,
    uploadedBlobs: 0,
    uploadedBytes: 0,
    mountedBlobs: total.blobs,
    mountedBytes: total.bytes,
    presentBlobs: 0,
    presentBytes: 0,
  }
}

export function noTransfer(sizes: Map<string, number>): TransferFigures {
  return { ...figuresFromMount(sizes), method: 'none', mountedBlobs: 0, mountedBytes: 0, presentBlobs: sizes.size, presentBytes: sum(sizes, sizes.keys()).bytes }
}

