// Which release candidate a tag `<service>/vX.Y.Z` promotes, decided from immutable facts only:
// the digest the staging manifests pin, the rc tags X.Y.Z-rc.N in the staging repository, each
// image's source commit (its org.opencontainers.image.revision) and what git says about that
// commit and the tagged one. Never `sha-<7>`: a later build of the same commit (develop after the
// release merges back) moves that tag to another digest, and a release head whose last push
// touched no service path has no image of its own. Pure: the facts are gathered elsewhere.

import { rcNumber } from './gitflow'
import { repositoryName, tryParseImageReference } from './image-ref'
import { REVISION_LABEL } from './oci-layout'

/** The candidates of `version` among `tags`, newest (highest N) first. */
export function rcTags(version: string, tags: readonly string[]): string[] {
  return tags
    .map((tag) => ({ tag, n: rcNumber(version, tag) }))
    .filter((entry): entry is { tag: string; n: number } => entry.n !== undefined)
    .sort((a, b) => b.n - a.n)
    .map((entry) => entry.tag)
}

/** An image a manifest pins: `registry/repo` plus its tag and digest (either may be absent). */
export interface PinnedImage {
  repository: string
  tag?: string
  digest?: string
}

// A container's `image:` as image-ref.ts reads it, named registry/repo as the caller names the
// staging repository; text that is no reference (a placeholder such as ${IMAGE}) pins nothing.
function fromReference(text: string): PinnedImage | undefined {
  const ref = tryParseImageReference(text)
  if (!ref) return undefined
  return { repository: repositoryName(ref), ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}) }
}

function collect(node: unknown, out: PinnedImage[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collect(item, out)
    return
  }
  if (node === null || typeof node !== 'object') return
  const object = node as Record<string, unknown>
  // A kustomization's images: entry (https://kubectl.docs.kubernetes.io/references/kustomize/kustomization/images/).
  if (typeof object.name === 'string' && ('newTag' in object || 'digest' in object || 'newName' in object)) {
    const repository = typeof object.newName === 'string' ? object.newName : object.name
    out.push({
      repository,
      ...(typeof object.newTag === 'string' ? { tag: object.newTag } : {}),
      ...(typeof object.digest === 'string' ? { digest: object.digest } : {}),
    })
  }
  for (const [key, value] of Object.entries(object)) {
    if (key === 'image' && typeof value === 'string') {
      const pinned = fromReference(value)
      if (pinned) out.push(pinned)
    } else {
      collect(value, out)
    }
  }
}

/**
 * What the staging manifests pin for `repository` (registry/repo): a kustomize `images:` entry
 * (newName or name, newTag, digest) or a container's `image: repo:tag@digest`. Undefined when
 * nothing pins it; the first pin when several do.
 */
export function stagingPin(documents: readonly unknown[], repository: string): PinnedImage | undefined {
  const pins: PinnedImage[] = []
  for (const doc of documents) collect(doc, pins)
  return pins.find((pin) => pin.repository === repository)
}

/** Where a candidate came from: the staging manifests' pin (preferred) or the registry's tags. */
export type CandidateOrigin = 'staging-manifest' | 'registry'

export interface CandidateRef {
  tag: string
  origin: CandidateOrigin
  /** Known for a pin (the manifest says it); a registry tag is read for its digest. */
  digest?: string
}

/**
 * The candidates to examine, in order: the staging pin when its tag is an rc of `version` and
 * it carries a digest, then the registry's rc tags newest first (the pinned one not twice), at
 * most `limit` in all.
 */
export function candidateOrder(version: string, pin: PinnedImage | undefined, registryTags: readonly string[], limit = 10): CandidateRef[] {
  const order: CandidateRef[] = []
  if (pin?.tag && pin.digest && rcNumber(version, pin.tag) !== undefined) order.push({ tag: pin.tag, origin: 'staging-manifest', digest: pin.digest })
  for (const tag of rcTags(version, registryTags)) {
    if (!order.some((c) => c.tag === tag)) order.push({ tag, origin: 'registry' })
  }
  return order.slice(0, limit)
}

/** What git says about a candidate's source commit and the tagged commit. */
export type Ancestry = 'ancestor' | 'not-ancestor' | 'unknown-commit'

export interface CandidateFacts extends CandidateRef {
  digest: string
  /** The image's org.opencontainers.image.revision; undefined when it has none. */
  revision?: string
  /** Undefined when there is no revision to ask git about. */
  ancestry?: Ancestry
  /** Files under the service's paths that differ between the revision and the tagged commit. */
  changedFiles: string[]
  /** The newest commit after the revision that changed one of them. */
  changedBy?: string
}

export type Verdict = { ok: true } | { ok: false; reason: string }

const short = (sha: string): string => sha.slice(0, 12)

/**
 * A candidate may be promoted when its source commit is the tagged commit or one of its
 * ancestors and nothing under the service's paths changed in between: the image the tagged
 * commit would build is the one staging already ran.
 */
export function judgeCandidate(facts: CandidateFacts, target: string): Verdict {
  if (!facts.revision) {
    return { ok: false, reason: `has no ${REVISION_LABEL} label or annotation, so its source commit is unknown (buildx-multiarch writes it; was this image built elsewhere?)` }
  }
  if (facts.ancestry === 'unknown-commit') {
    return { ok: false, reason: `was built from ${short(facts.revision)}, which the checkout does not have (check out the full history: actions/checkout with fetch-depth: 0)` }
  }
  if (facts.ancestry !== 'ancestor') {
    return { ok: false, reason: `was built from ${short(facts.revision)}, which is not an ancestor of the tagged commit ${short(target)} (tag the release's merge commit, or a commit after the release head)` }
  }
  if (facts.changedFiles.length > 0) {
    const files = facts.changedFiles.slice(0, 5).join(', ') + (facts.changedFiles.length > 5 ? ` and ${facts.changedFiles.length - 5} more` : '')
    const by = facts.changedBy ? `commit ${short(facts.changedBy)} changed ` : ''
    return { ok: false, reason: `was built from ${short(facts.revision)}, but the service's paths changed after it: ${by}${files}` }
  }
  return { ok: true }
}

export interface Rejected {
  facts: Pick<CandidateFacts, 'tag' | 'origin'>
  reason: string
}

export interface NoCandidateContext {
  version: string
  /** registry/repo of the staging image. */
  repository: string
  target: string
  pin?: PinnedImage
  rejected: readonly Rejected[]
}

/** One message that says what was found and what to do. */
export function noCandidateMessage(ctx: NoCandidateContext): string {
  const build = `push to the release branch (release/<service>/v${ctx.version}) so the pipeline builds and publishes ${ctx.version}-rc.<run> from this commit, let staging run it, then push the tag again`
  const staging = ctx.pin
    ? `staging pins ${ctx.pin.repository}${ctx.pin.tag ? `:${ctx.pin.tag}` : ''}${ctx.pin.digest ? `@${ctx.pin.digest}` : ''}${ctx.pin.tag && rcNumber(ctx.version, ctx.pin.tag) !== undefined ? '' : `, not a candidate of ${ctx.version}`}`
    : `the staging manifests pin no ${ctx.repository}`
  if (ctx.rejected.length === 0) {
    return `No release candidate of ${ctx.version} in ${ctx.repository}: no tag ${ctx.version}-rc.<N> exists there (${staging}). To release ${ctx.version}, ${build}.`
  }
  const lines = ctx.rejected.map((r) => `  - ${r.facts.tag}${r.facts.origin === 'staging-manifest' ? ' (pinned in staging)' : ''} ${r.reason}`)
  return [
    `No release candidate of ${ctx.version} in ${ctx.repository} can be promoted to the tagged commit ${short(ctx.target)} (${staging}):`,
    ...lines,
    `To release this commit, ${build}.`,
  ].join('\n')
}

/** The revision an image records: the index (or manifest) annotation, else its config's label. */
export function imageRevision(manifestRaw: string, configRaw?: string): string | undefined {
  const manifest = JSON.parse(manifestRaw) as { annotations?: Record<string, string> }
  const fromAnnotation = manifest.annotations?.[REVISION_LABEL]
  if (fromAnnotation) return fromAnnotation
  if (!configRaw) return undefined
  const config = JSON.parse(configRaw) as { config?: { Labels?: Record<string, string> | null } }
  return config.config?.Labels?.[REVISION_LABEL] || undefined
}
