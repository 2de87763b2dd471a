// Pure planning: which way an image travels, which argv each tool gets. No I/O.
import { formatImageReference, formatPlatform, isLoopbackHost, sameRepository, tryParseImageReference, type ImageReference, type Platform } from '@aks-gitops/toolkit'
import type { Source } from './inputs'

export type Route =
  /** skopeo: OCI layout -> registry. */
  | 'push-layout'
  /** imagetools: an index to another repository of the same registry (blob mounts). */
  | 'mount-copy'
  /** skopeo: a single manifest to another repository of the same registry (buildx would wrap it in a new index). */
  | 'manifest-copy'
  /** skopeo: another registry (blobs uploaded unless already there). */
  | 'cross-registry-copy'
  /** The digest is already in the destination repository: only tags change. */
  | 'retag'

/** What each route does, for the job summary. */
export const ROUTE_DESCRIPTIONS: Record<Route, string> = {
  'push-layout': 'OCI layout pushed by digest (skopeo)',
  'mount-copy': 'copied within one registry by digest, blobs mounted (buildx imagetools)',
  'manifest-copy': 'single manifest copied within one registry by digest, its bytes unchanged (skopeo)',
  'cross-registry-copy': 'copied to another registry by digest (skopeo)',
  retag: 'digest already in the repository: tags only',
}

/**
 * `isIndex`: buildx imagetools create copies an index as is but wraps a single manifest in a new
 * index (always before buildx 0.15, which added --prefer-index; docker/buildx
 * util/imagetools/create.go), so a single manifest travels with skopeo, which keeps its bytes.
 */
export function chooseRoute(source: Source, destination: ImageReference, isIndex: boolean): Route {
  if (source.kind === 'layout') return 'push-layout'
  if (sameRepository(source.ref, destination)) return 'retag'
  if (source.ref.registry !== destination.registry) return 'cross-registry-copy'
  return isIndex ? 'mount-copy' : 'manifest-copy'
}

export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return { registry: ref.registry, repository: ref.repository, digest }
}

export function withTag(ref: ImageReference, tag: string): ImageReference {
  return { registry: ref.registry, repository: ref.repository, tag }
}

/**
 * `source` is a skopeo transport reference: `oci:DIR` or `docker://REF`. The destination is always
 * pushed by digest, so no tag names the image before it has been checked.
 */
export function skopeoCopyArgs(source: string, destination: ImageReference, authFile?: string): string[] {
  return ['--debug', ...skopeoCopyTail(['--all'], source, destination, authFile)]
}

/**
 * Points a tag at a digest already in the repository by carbon copy: skopeo reads the manifest or
 * index by digest and writes the same bytes under the tag (--preserve-digests refuses any change;
 * index-only copies no child manifest, they are there already). So the tag can only name the digest
 * that was checked, whether it is an index or a single manifest.
 */
export function skopeoTagArgs(pushed: ImageReference, tag: ImageReference, authFile?: string): string[] {
  return skopeoCopyTail(['--multi-arch', 'index-only'], `docker://${formatImageReference(pushed)}`, tag, authFile)
}

function skopeoCopyTail(selection: string[], source: string, destination: ImageReference, authFile?: string): string[] {
  const args = ['copy', ...selection, '--preserve-digests', '--retry-times', '0']
  if (authFile) args.push('--authfile', authFile)
  // Docker and buildx talk plain HTTP to loopback registries; skopeo must be told (never for other
  // hosts). One rule for loopback, shared with the token requests: the toolkit's isLoopbackHost.
  // The source's registry by image-ref's parser (`oci:DIR` has none).
  const sourceRegistry = source.startsWith('docker://') ? tryParseImageReference(source.slice('docker://'.length))?.registry : undefined
  if (sourceRegistry !== undefined && isLoopbackHost(sourceRegistry)) args.push('--src-tls-verify=false')
  if (isLoopbackHost(destination.registry)) args.push('--dest-tls-verify=false')
  args.push(source, `docker://${formatImageReference(destination)}`)
  return args
}

export function imagetoolsCreateArgs(targets: ImageReference[], source: ImageReference): string[] {
  return ['buildx', 'imagetools', 'create', '--progress', 'plain', ...targets.flatMap((t) => ['--tag', formatImageReference(t)]), formatImageReference(source)]
}

/** Required platforms the image lacks, as text; available platforms are already normalised. */
export function missingRequired(required: readonly Platform[], available: readonly string[]): string[] {
  const have = new Set(available)
  return required.map(formatPlatform).filter((p) => !have.has(p))
}

export function platformGateMessage(image: string, missing: string[], available: string[]): string {
  return `${image} lacks required platform${missing.length === 1 ? '' : 's'} ${missing.join(', ')} (it has ${available.join(', ') || 'none'}). Build it for every platform the cluster runs (require-platforms), or a pod on such a node would fail with "exec format error" / CrashLoopBackOff.`
}

/** Tags that already point at another digest: with immutable-tags they must not move. */
export function movedTags(current: ReadonlyMap<string, string | undefined>, digest: string): string[] {
  return [...current].filter(([, existing]) => existing !== undefined && existing !== digest).map(([tag]) => tag)
}
