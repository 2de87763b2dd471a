// Same commit, same image, another provenance. BuildKit's provenance attestation records the
// build's start and finish time and an invocation ID, so with attestations on every build of one
// commit gets a new index digest even when its platform manifests (what runs) are byte-identical
// (https://docs.docker.com/build/metadata/attestations/slsa-definitions/: metadata.buildInvocationID,
// metadata.buildStartedOn, metadata.buildFinishedOn; measured: buildx-multiarch
// test/e2e-reproducible.test.ts). Publishing that new index would move the tag, make a manifest
// commit and an Argo CD rollout for no change. Pure: main.ts reads the indexes.
import { formatPlatform, parseIndex } from '@aks-gitops/toolkit'

/** `linux/amd64 sha256:...` per image manifest, sorted; undefined for a single manifest. */
function imageManifests(raw: string): string[] | undefined {
  const contents = parseIndex(raw)
  if (!contents.isIndex) return undefined
  return contents.images.map((d) => `${d.platform ? formatPlatform(d.platform) : '?'} ${d.digest}`).sort()
}

/**
 * True when two indexes hold exactly the same image manifests (same digests for the same
 * platforms) and differ at most in their attestation manifests: then the one already published
 * is kept. A missing or extra platform, or any other byte in an image, is a different image.
 */
export function sameImageManifests(publishedRaw: string, builtRaw: string): boolean {
  const published = imageManifests(publishedRaw)
  const built = imageManifests(builtRaw)
  if (!published || !built || built.length === 0) return false
  return published.length === built.length && published.every((entry, i) => entry === built[i])
}
