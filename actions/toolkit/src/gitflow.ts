// The GitFlow rules of DESIGN.md's table, in one place: which image tags a git ref gets, what a
// release version and a release candidate tag look like. buildx-multiarch computes its tags here,
// acr-push recognises candidates here, and the local pipeline and the workflows' tests plan with
// it; pipeline-plan.ts adds what the reusable pipeline does with each kind. Pure: no I/O.
//
//   refs/heads/develop                 -> sha-<7>                        (published, staging)
//   refs/heads/release/<svc>/vX.Y.Z    -> X.Y.Z-rc.<run>, sha-<7>        (published, staging)
//   refs/tags/<svc>/vX.Y.Z             -> X.Y.Z                          (production: promotion of the rc digest)
//   refs/heads/feature/**, refs/pull/N -> no tags                        (built, not published)
//   any other ref                      -> no tags

import { commitShaExpected, isCommitSha } from './commit-sha'
import { isServiceName } from './repository-name'

/** The kinds of run, named as pipeline.yml's public `kind` output names them. */
export type RefKind = 'develop' | 'release' | 'production' | 'feature' | 'pull-request' | 'other'

export interface RefContext {
  /** GITHUB_REF, e.g. `refs/heads/release/vote/v1.2.0`. */
  ref: string
  /** GITHUB_SHA: the commit being built (at least 7 hexadecimal characters). */
  sha: string
  /** GITHUB_RUN_NUMBER: numbers release candidates. */
  runNumber: number | string
  /** The service being built (`vote`); when given, a release ref or tag of another service is an error. */
  service?: string
}

export interface TagPlan {
  kind: RefKind
  /** Tags to publish, most specific first (empty when the table says "none"). */
  tags: string[]
  /** The version this build carries: X.Y.Z, X.Y.Z-rc.N, or sha-<7> / pr-<N> for unversioned builds. */
  version: string
  /** Whether the GitFlow table publishes images for this ref. */
  publish: boolean
  /** The service named by a release branch or tag. */
  service?: string
  /** X.Y.Z named by a release branch or tag: the version whose candidates a tag promotes. */
  release?: string
}

export class RefError extends Error {
  override name = 'RefError'
}

const VERSION = /^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$/

/** X.Y.Z as a release branch or tag names it (after the `v`): no leading zeros, no pre-release. */
export function isReleaseVersion(version: string): boolean {
  return VERSION.test(version)
}

/** The tag of release candidate N of `version`: `X.Y.Z-rc.N`. */
export function rcTag(version: string, n: number): string {
  return `${version}-rc.${n}`
}

/** N of `X.Y.Z-rc.N` when the tag is a candidate of `version`, else undefined. */
export function rcNumber(version: string, tag: string): number | undefined {
  if (!tag.startsWith(`${version}-rc.`)) return undefined
  const rest = tag.slice(version.length + 4)
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined
}

/** `sha-` and the first 7 characters of the commit, as docker/metadata-action's `type=sha` does. */
export function shaTag(sha: string): string {
  // Any commit the caller names, abbreviated or in either case: only the first 7 digits are used.
  const accepted = { abbreviated: true, anyCase: true }
  if (!isCommitSha(sha, accepted)) throw new RefError(`"${sha}" is not a commit SHA (expected ${commitShaExpected(accepted)})`)
  return `sha-${sha.slice(0, 7).toLowerCase()}`
}

/** The commit prefix a `sha-<7..40 hex>` tag names (shaTag's tags, and longer prefixes), else undefined. */
export function shaTagCommit(tag: string | undefined): string | undefined {
  const prefix = tag?.startsWith('sha-') ? tag.slice(4) : undefined
  // Lowercase, as shaTag writes it; at most a SHA-1's 40 digits, the longest such tag read so far.
  return prefix !== undefined && isCommitSha(prefix, { abbreviated: true, sha1Only: true }) ? prefix : undefined
}

function runNumberOf(value: number | string): number {
  const text = String(value).trim()
  if (!/^[1-9][0-9]*$/.test(text)) throw new RefError(`run number "${text}" is not a positive whole number`)
  return Number(text)
}

/** The service and X.Y.Z a release branch or tag names after its prefix. */
export interface ServiceRelease {
  service: string
  version: string
}

/** `<svc>/vX.Y.Z` (what follows `release/` in a branch, or a whole tag name) -> { service, version }, else undefined. */
export function parseServiceRelease(name: string): ServiceRelease | undefined {
  const parts = name.split('/')
  const [service = '', semver = ''] = parts
  const version = semver.slice(1)
  if (parts.length !== 2 || !isServiceName(service) || !semver.startsWith('v') || !isReleaseVersion(version)) return undefined
  return { service, version }
}

// parseServiceRelease, with a RefError when the rest of the ref has another shape or names another service.
function serviceVersion(rest: string, what: string, expectedService?: string): ServiceRelease {
  const parsed = parseServiceRelease(rest)
  if (!parsed) throw new RefError(`${what} "${rest}" is not <service>/vX.Y.Z (e.g. vote/v1.2.0)`)
  if (expectedService && parsed.service !== expectedService) {
    throw new RefError(`${what} "${rest}" is for service "${parsed.service}", but this build is for "${expectedService}"`)
  }
  return parsed
}

const RELEASE_BRANCH_PREFIX = 'refs/heads/release/'
const TAG_PREFIX = 'refs/tags/'

/** The release branch of a service's version X.Y.Z, and the tag that promotes it to production. */
export function releaseRefs(service: string, version: string): { branch: string; tag: string } {
  return { branch: `${RELEASE_BRANCH_PREFIX}${service}/v${version}`, tag: `${TAG_PREFIX}${service}/v${version}` }
}

/**
 * What a ref releases: a release branch (kind `release`) or a tag (kind `production`) with its
 * service and version; undefined for every other ref. A RefError when a release branch or tag has
 * another shape, or names another service than `expectedService`: computeTags refuses those too.
 */
export function parseReleaseRef(ref: string, expectedService?: string): (ServiceRelease & { kind: 'release' | 'production' }) | undefined {
  if (ref.startsWith(RELEASE_BRANCH_PREFIX)) return { kind: 'release', ...serviceVersion(ref.slice(RELEASE_BRANCH_PREFIX.length), 'release branch', expectedService) }
  if (ref.startsWith(TAG_PREFIX)) return { kind: 'production', ...serviceVersion(ref.slice(TAG_PREFIX.length), 'tag', expectedService) }
  return undefined
}

/**
 * The tag ref that promotes a release branch (`refs/heads/release/vote/v1.2.0` -> `refs/tags/vote/v1.2.0`);
 * undefined for other refs, a RefError (parseReleaseRef's) for a release branch of another shape.
 */
export function promotionTagRef(ref: string): string | undefined {
  const release = parseReleaseRef(ref)
  return release?.kind === 'release' ? releaseRefs(release.service, release.version).tag : undefined
}

/** Computes the tags and version for one build from the git ref (see the table at the top). */
export function computeTags(context: RefContext): TagPlan {
  const { ref } = context
  const service = context.service?.trim() || undefined
  const parsed = parseReleaseRef(ref, service)
  if (parsed?.kind === 'release') {
    const version = rcTag(parsed.version, runNumberOf(context.runNumber))
    return { kind: 'release', tags: [version, shaTag(context.sha)], version, publish: true, service: parsed.service, release: parsed.version }
  }
  if (parsed?.kind === 'production') {
    return { kind: 'production', tags: [parsed.version], version: parsed.version, publish: true, service: parsed.service, release: parsed.version }
  }
  if (ref === 'refs/heads/develop') {
    const sha = shaTag(context.sha)
    return { kind: 'develop', tags: [sha], version: sha, publish: true }
  }
  const pull = /^refs\/pull\/([0-9]+)\/(merge|head)$/.exec(ref)
  if (pull) return { kind: 'pull-request', tags: [], version: `pr-${pull[1]}`, publish: false }
  if (ref.startsWith('refs/heads/feature/')) return { kind: 'feature', tags: [], version: shaTag(context.sha), publish: false }
  if (ref === '') throw new RefError('GITHUB_REF is empty: cannot compute tags (give the "tags" input instead)')
  return { kind: 'other', tags: [], version: shaTag(context.sha), publish: false }
}

/** The environments the GitFlow deploys to. */
export type DeployEnvironment = 'staging' | 'production'

/**
 * Which refs may deploy to each environment: the deployment branch and tag rules the README sets
 * on the GitHub environments (production: branch main and tags `*`/v`*`; staging: main, develop and
 * release/`*`/`*`, where GitHub's `*` matches no `/`). The redeploy checks a dispatch against them
 * before any reviewer is asked; `text` is how its error names the rule.
 */
export const DEPLOYMENT_RULES: Record<DeployEnvironment, { text: string; refs: RegExp }> = {
  production: { text: 'branch main or a tag */v* (<service>/vX.Y.Z)', refs: /^refs\/heads\/main$|^refs\/tags\/[^/]+\/v[^/]+$/ },
  staging: { text: 'branch main, develop or release/*/*', refs: /^refs\/heads\/(main|develop|release\/[^/]+\/[^/]+)$/ },
}
