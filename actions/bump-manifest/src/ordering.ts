// Which of two images is newer, and what a bump does about it. Pure: the facts (source commits and
// how git relates them) are gathered by history.ts and guard.ts; this module only decides.
//
//   - Version tags compare by SemVer 2.0 precedence (https://semver.org/#spec-item-11): major, minor,
//     patch as numbers; a pre-release is lower than its release; pre-release identifiers compare
//     left to right, numeric ones as numbers (rc.10 > rc.9), numeric lower than alphanumeric, and
//     more identifiers win when all before are equal; build metadata is ignored.
//   - Other tags (sha-<7> above all) compare by the ancestry of the commits the images were built
//     from: an image whose source commit is an ancestor of the deployed one's is older.
//   - Anything else (unrelated tags, a commit not in the history) has no known order.

export type Order = 'newer' | 'older' | 'same' | 'unknown'

interface SemVer {
  major: number
  minor: number
  patch: number
  prerelease: string[]
}

// semver.org's regular expression, with an optional leading v (tags such as v1.2.0).
const SEMVER =
  /^v?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/

export function parseSemVer(tag: string): SemVer | undefined {
  const match = SEMVER.exec(tag)
  if (!match) return undefined
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), prerelease: match[4] ? match[4].split('.') : [] }
}

const NUMERIC = /^\d+$/

function compareIdentifiers(a: string, b: string): number {
  const [aNum, bNum] = [NUMERIC.test(a), NUMERIC.test(b)]
  // Numbers as numbers: BigInt, since an identifier may exceed 2^53.
  if (aNum && bNum) return BigInt(a) === BigInt(b) ? 0 : BigInt(a) < BigInt(b) ? -1 : 1
  if (aNum !== bNum) return aNum ? -1 : 1
  return a === b ? 0 : a < b ? -1 : 1
}

/** SemVer 2.0 precedence (§11): negative when a < b, 0 when equal (build metadata ignored), positive when a > b. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  for (const key of ['major', 'minor', 'patch'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1
  }
  if (a.prerelease.length === 0 || b.prerelease.length === 0) return (b.prerelease.length === 0 ? 0 : 1) - (a.prerelease.length === 0 ? 0 : 1)
  for (let i = 0; i < Math.max(a.prerelease.length, b.prerelease.length); i++) {
    const [x, y] = [a.prerelease[i], b.prerelease[i]]
    if (x === undefined) return -1
    if (y === undefined) return 1
    const c = compareIdentifiers(x, y)
    if (c !== 0) return c
  }
  return 0
}

export interface ImageFacts {
  /** As written in the manifest or given to the step. */
  reference: string
  tag?: string
  digest?: string
  /** The full commit the image was built from, when known, and where that came from. */
  sourceCommit?: string
  sourceFrom?: string
}

/** How git relates the candidate's source commit to the deployed one's. */
export type Ancestry = 'same' | 'ancestor' | 'descendant' | 'diverged' | 'unknown'

export interface AncestryAnswer {
  relation: Ancestry
  /** Why it is unknown (a commit missing, a shallow history). */
  why?: string
}

export interface OrderVerdict {
  order: Order
  basis: 'digest' | 'semver' | 'ancestry' | 'none'
  reason: string
}

/** The order of `candidate` against `deployed`; `ancestry` is asked only when tags cannot answer. */
export function compareImages(candidate: ImageFacts, deployed: ImageFacts, ancestry?: AncestryAnswer): OrderVerdict {
  if (candidate.digest && candidate.digest === deployed.digest) return { order: 'same', basis: 'digest', reason: `both are ${candidate.digest}` }
  const [a, b] = [candidate.tag ? parseSemVer(candidate.tag) : undefined, deployed.tag ? parseSemVer(deployed.tag) : undefined]
  if (a && b) {
    const c = compareSemVer(a, b)
    const order: Order = c === 0 ? 'same' : c > 0 ? 'newer' : 'older'
    const word = c === 0 ? 'has the same precedence as' : c > 0 ? 'is newer than' : 'is older than'
    return { order, basis: 'semver', reason: `${candidate.tag} ${word} ${deployed.tag} (SemVer 2.0 precedence)` }
  }
  if (!candidate.digest && !deployed.digest && candidate.tag && candidate.tag === deployed.tag) return { order: 'same', basis: 'none', reason: `both are ${candidate.tag}` }
  if (!candidate.sourceCommit || !deployed.sourceCommit || !ancestry) {
    const missing = !candidate.sourceCommit ? `the source commit of ${candidate.reference}` : `the source commit of ${deployed.reference}`
    return { order: 'unknown', basis: 'none', reason: `the tags do not compare as versions and ${missing} is not known (no Source-Commit trailer, source-commit input or sha-<7> tag)` }
  }
  const [x, y] = [candidate.sourceCommit.slice(0, 12), deployed.sourceCommit.slice(0, 12)]
  switch (ancestry.relation) {
    case 'same':
      return { order: 'same', basis: 'ancestry', reason: `both were built from ${x}` }
    case 'ancestor':
      return { order: 'older', basis: 'ancestry', reason: `its source commit ${x} is an ancestor of the deployed image's ${y}` }
    case 'descendant':
      return { order: 'newer', basis: 'ancestry', reason: `its source commit ${x} descends from the deployed image's ${y}` }
    case 'diverged':
      return { order: 'unknown', basis: 'ancestry', reason: `the source commits ${x} and ${y} are on diverged branches: neither is an ancestor of the other` }
    default:
      return { order: 'unknown', basis: 'none', reason: `the ancestry of ${x} and ${y} cannot be read: ${ancestry.why ?? 'unknown'}` }
  }
}

/** The strongest of several verdicts (several files may pin different references): older, then unknown, then newer, then same. */
export function combineVerdicts(verdicts: readonly OrderVerdict[]): OrderVerdict | undefined {
  const rank: Record<Order, number> = { older: 3, unknown: 2, newer: 1, same: 0 }
  return [...verdicts].sort((p, q) => rank[q.order] - rank[p.order])[0]
}

export interface DecisionInput {
  verdict: OrderVerdict
  /** The image the service is held at, when it is held. */
  heldAt?: string
  allowDowngrade: boolean
  releaseHold: boolean
  supersedeHold: boolean
  unknownOrder: 'deploy' | 'refuse'
}

export interface Decision {
  commit: boolean
  refused?: 'older' | 'unknown-order' | 'held'
  /** What happens to the service's hold. */
  hold: 'none' | 'keep' | 'set' | 'clear'
  /** One sentence for the log and the summary. */
  why: string
}

/**
 * What the bump does. Without a hold: an older image is refused unless allowed on purpose (then
 * the service is held there), an unknown order follows unknown-order. With a hold: pipeline bumps
 * skip the service; a deliberate release newer than the held image (supersede-hold) or a redeploy
 * to a newer one clears it; release-hold clears it whatever comes.
 */
export function decide(input: DecisionInput): Decision {
  const { verdict, heldAt } = input
  const held = heldAt !== undefined && !input.releaseHold
  const released = heldAt !== undefined && input.releaseHold
  if (held) {
    if (verdict.order === 'newer' && (input.supersedeHold || input.allowDowngrade)) {
      return { commit: true, hold: 'clear', why: `released the hold at ${heldAt}: this deliberate deploy is newer (${verdict.reason})` }
    }
    if (input.allowDowngrade) return { commit: true, hold: 'set', why: `held at ${heldAt}; this deliberate deploy moves the hold to the new image (${verdict.reason})` }
    return { commit: false, refused: 'held', hold: 'keep', why: `held at ${heldAt} by a redeploy: pipeline bumps skip it until a newer release is promoted on purpose or the redeploy workflow runs with release-hold` }
  }
  // release-hold clears a hold with the commit; a refusal commits nothing, so the hold stays.
  const base = released ? 'clear' : 'none'
  const untouched = released ? 'keep' : 'none'
  if (verdict.order === 'older') {
    if (input.allowDowngrade) return { commit: true, hold: released ? 'clear' : 'set', why: `deploys an older image on purpose (${verdict.reason})` }
    return { commit: false, refused: 'older', hold: untouched, why: `refused: the new image is older than the deployed one (${verdict.reason})` }
  }
  if (verdict.order === 'unknown') {
    if (input.allowDowngrade) return { commit: true, hold: released ? 'clear' : 'set', why: `deploys on purpose an image whose order is unknown (${verdict.reason})` }
    if (input.unknownOrder === 'refuse') return { commit: false, refused: 'unknown-order', hold: untouched, why: `refused: the order is unknown and unknown-order is refuse (${verdict.reason})` }
    return { commit: true, hold: base, why: `the order is unknown, deployed as unknown-order says (${verdict.reason})` }
  }
  return { commit: true, hold: base, why: verdict.order === 'same' ? `the same image (${verdict.reason})` : `newer (${verdict.reason})` }
}
