// The deploy history of the manifest files, read from the trailers of their commits (trailers.ts)
// with git's own trailer parser, and the commit ancestry that orders sha-<7> images. Side effects:
// git only. A checkout made with actions/checkout's default fetch-depth 1 has one commit: the
// deploy job checks the manifests out with fetch-depth 0 so that this history is there.
import { errorMessage, isCommitSha, sameRepository, tryParseImageReference, type Git, type ImageReference } from '@aks-gitops/toolkit'
import type { AncestryAnswer } from './ordering'
import { repositoryText } from './reference'
import { TRAILER } from './message'
import { parseTrailerLines, TRAILER_KEYS } from './trailers'

export interface DeployRecord {
  commit: string
  /** The Image trailer: repository[:tag]. */
  image?: string
  digest?: string
  sourceCommit?: string
  previous: string[]
  /** The Deploy-Hold trailer: set when the commit held the service (a deliberate redeploy or rollback). */
  hold?: string
}

/** How far back the history is read: enough for any rollback a person would ask for. */
const DEPTH = 500

/** Manifest commits that touched `paths` at `rev`, newest first, with their deploy trailers (commits without an Image trailer left out). */
export async function deployHistory(git: Git, rev: string, paths: readonly string[]): Promise<DeployRecord[]> {
  // Only manifest commits (their Bumped-by trailer): in a repository that also holds the services'
  // sources, the last DEPTH commits of any kind could hide every deploy.
  const result = await git.tryRun(['log', `-n${DEPTH}`, `--grep=^${TRAILER}$`, '--format=%H%x1f%(trailers:only,unfold)%x1e', rev, '--', ...paths.map((p) => `:(literal)${p}`)])
  return result.exitCode === 0 ? parseDeployLog(result.stdout) : []
}

/** deployHistory's `git log` output (`%H` 0x1f trailers 0x1e per commit) as records; pure. */
export function parseDeployLog(stdout: string): DeployRecord[] {
  const records: DeployRecord[] = []
  for (const entry of stdout.split('\x1e')) {
    const [commit = '', text = ''] = entry.trim().split('\x1f')
    // %H: a full name, SHA-1 or SHA-256, as git prints it.
    if (!isCommitSha(commit)) continue
    const trailers = parseTrailerLines(text)
    const image = trailers.get(TRAILER_KEYS.image)?.at(-1)
    if (!image) continue
    const record: DeployRecord = { commit, image, previous: trailers.get(TRAILER_KEYS.previousImage) ?? [] }
    const digest = trailers.get(TRAILER_KEYS.imageDigest)?.at(-1)
    const source = trailers.get(TRAILER_KEYS.sourceCommit)?.at(-1)
    if (digest) record.digest = digest
    if (source) record.sourceCommit = source
    const hold = trailers.get(TRAILER_KEYS.hold)?.at(-1)
    if (hold) record.hold = hold
    records.push(record)
  }
  return records
}

function isOf(reference: string | undefined, repository: ImageReference): boolean {
  const ref = reference ? tryParseImageReference(repositoryText(reference)) : undefined
  return ref !== undefined && sameRepository(ref, repository)
}

/**
 * The image one step back from what the last deploy pinned: the Previous-Image of the newest commit
 * that pinned that image as a pipeline deploy (not itself a redeploy that set a hold). So rolling back
 * twice goes two steps back (A -> B, back to A, back again to what preceded A), never forth again.
 */
export function stepBack(history: readonly DeployRecord[], repository: ImageReference): { image: string; record: DeployRecord } | undefined {
  const records = history.filter((record) => isOf(record.image, repository))
  const last = records[0]
  if (!last) return undefined
  const same = (record: DeployRecord): boolean => record.image === last.image && record.digest === last.digest
  // A commit that only released a hold names no Previous-Image: it is no step of its own.
  const stepped = (record: DeployRecord): boolean => same(record) && record.previous.length > 0
  const origin = records.find((record) => stepped(record) && record.hold !== 'set') ?? records.find(stepped) ?? last
  const image = origin.previous[0]
  return image ? { image, record: origin } : undefined
}

/** The source commit recorded when this image (by digest, else by repository:tag) was deployed. */
export function recordedSource(history: readonly DeployRecord[], image: { tagged: string; digest?: string }): DeployRecord | undefined {
  return history.find((record) => record.sourceCommit && (image.digest ? record.digest === image.digest : record.image === image.tagged))
}

/** How the candidate's source commit relates to the deployed one's in the source history. */
export async function ancestry(git: Git, candidate: string, deployed: string, where: string): Promise<AncestryAnswer> {
  try {
    const shallow = (await git.tryRun(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true'
    const [a, b] = [await git.tryRevParse(candidate), await git.tryRevParse(deployed)]
    const hint = shallow ? ' (a shallow checkout: check the source out with fetch-depth: 0)' : ''
    if (!a) return { relation: 'unknown', why: `commit ${candidate.slice(0, 12)} is not in ${where}${hint}` }
    if (!b) return { relation: 'unknown', why: `commit ${deployed.slice(0, 12)} is not in ${where}${hint}` }
    if (a === b) return { relation: 'same' }
    if (await git.isAncestor(a, b)) return { relation: 'ancestor' }
    if (await git.isAncestor(b, a)) return { relation: 'descendant' }
    // In a shallow history the path between them may be cut off: "not an ancestor" proves nothing.
    if (shallow) return { relation: 'unknown', why: `${where} is a shallow checkout, where neither commit reaches the other; check the source out with fetch-depth: 0` }
    return { relation: 'diverged' }
  } catch (error) {
    return { relation: 'unknown', why: errorMessage(error) }
  }
}

/** The full commit a prefix (a sha-<7> tag) names in the source history, when it names exactly one. */
export async function resolveCommit(git: Git, prefix: string): Promise<string | undefined> {
  return git.tryRevParse(prefix)
}
