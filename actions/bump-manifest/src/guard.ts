// The check before a manifest commit: is the new image older than what the files pin now, and is
// the service held? Gathers the facts (history.ts: trailers and ancestry; hold.ts: the mark in the
// files) and lets ordering.ts decide. Also resolves `previous` (roll back one step) and applies the
// hold change to each attempt's plans.
import { findWorkTree, parseImageReference, parseRepository, shaTagCommit, tryParseImageReference, Git, type ImageReference } from '@aks-gitops/toolkit'
import { clearHold, readHold, setHold, type Hold } from './hold'
import { ancestry, deployHistory, recordedSource, resolveCommit, stepBack, type DeployRecord } from './history'
import type { Settings } from './inputs'
import { combineVerdicts, compareImages, decide, type Decision, type ImageFacts, type OrderVerdict } from './ordering'
import { ManifestError, type FilePlan } from './plan'
import { joinReference, repositoryText } from './reference'

export interface GitFacts {
  /** The manifests' repository, at the checked-out commit. */
  git: Git
  /** Repository-relative path of each file, by its display path. */
  repoPaths: Map<string, string>
  /** Every deploy commit at HEAD, read once: HEAD does not move until the commit has landed, and pull-request mode checks each attempt. */
  history?: Promise<DeployRecord[]>
}

/**
 * The pins compared with, when not the checked-out files: an open pull request's branch, which is
 * what merges (pull-request mode stacks the bump on it, so its pin, not the base's, is replaced).
 */
export interface ComparedWith {
  pullRequest: string
  branch: string
}

export interface Guard {
  verdict: OrderVerdict
  decision: Decision
  /** The hold as the files have it now. */
  current?: Hold
  /** The hold after the commit (the new one, the current one kept, or none). */
  after?: Hold
  candidate: ImageFacts
  deployed: ImageFacts[]
  /** Set when the pins compared with are an open pull request's branch (else the files as checked out). */
  against?: ComparedWith
}

/** Thrown by an attempt whose own check refuses the bump (pull-request mode, see main.ts): nothing is committed. */
export class GuardRefusal extends Error {
  override name = 'GuardRefusal'
  constructor(
    readonly guard: Guard,
    readonly plans: FilePlan[],
  ) {
    super(guard.decision.why)
  }
}

/** The repository the pins use after the bump (new-name, else the image input). */
function pinnedRepository(settings: Settings): ImageReference {
  return parseRepository(settings.newName ?? settings.imageText)
}

/** `previous`: the tag and digest the files pinned before their last manifest commit for this image. */
export async function resolvePrevious(settings: Settings, facts: GitFacts): Promise<{ tag?: string; digest?: string; from: DeployRecord }> {
  const history = await deployHistory(facts.git, 'HEAD', [...facts.repoPaths.values()])
  const back = stepBack(history, pinnedRepository(settings))
  if (!back) {
    throw new ManifestError(
      `previous: no manifest commit of ${settings.newName ?? settings.imageText} in ${[...facts.repoPaths.keys()].join(', ')} has a Previous-Image trailer (read ${history.length} deploy commit(s); check the manifests out with fetch-depth: 0)`,
    )
  }
  const ref = parseImageReference(back.image)
  return { ...(ref.tag ? { tag: ref.tag } : {}), ...(ref.digest ? { digest: ref.digest } : {}), from: back.record }
}

function factsOf(reference: string): ImageFacts {
  const facts: ImageFacts = { reference }
  // A placeholder or a reference we cannot read: no tag, no digest, so no known order.
  const ref = tryParseImageReference(reference)
  if (ref?.tag) facts.tag = ref.tag
  if (ref?.digest) facts.digest = ref.digest
  return facts
}

/** The source commit: as given, as recorded when the image was deployed before, or as its sha-<7> tag names it. */
async function withSource(facts: ImageFacts, history: readonly DeployRecord[], source: Git | undefined, given?: string): Promise<ImageFacts> {
  if (given) return { ...facts, sourceCommit: given, sourceFrom: 'source-commit' }
  const recorded = recordedSource(history, { tagged: joinReference(repositoryText(facts.reference), facts.tag, undefined), ...(facts.digest ? { digest: facts.digest } : {}) })
  if (recorded?.sourceCommit) return { ...facts, sourceCommit: recorded.sourceCommit, sourceFrom: `the Source-Commit trailer of ${recorded.commit.slice(0, 12)}` }
  const prefix = shaTagCommit(facts.tag)
  const full = prefix && source ? await resolveCommit(source, prefix) : undefined
  if (full) return { ...facts, sourceCommit: full, sourceFrom: `its tag ${facts.tag}` }
  return facts
}

/** Checks the bump planned from `plans` (the work tree's files, or a branch's) against what they pin and hold. */
export async function guardDeploy(settings: Settings, plans: readonly FilePlan[], facts: GitFacts | undefined, now: Date, against?: ComparedWith): Promise<Guard> {
  const { deploy } = settings
  const sourceDir = deploy.sourceDirectory
  // The user named this checkout, so git may read it although another uid owns it (container: jobs),
  // as the manifests' work tree; else every commit would read as missing and the order as unknown.
  const source = sourceDir ? new Git(sourceDir, { safeDirectory: findWorkTree(sourceDir) }) : facts?.git
  const where = sourceDir ?? 'the manifests\' repository'
  // Every deploy of any file: staging's record of a digest tells production where it came from.
  const history = facts ? await (facts.history ??= deployHistory(facts.git, 'HEAD', [])) : []
  const changes = plans.flatMap((plan) => plan.changes.map((change) => ({ plan, change })))
  const updated = changes[0]?.change.updated ?? joinReference(settings.newName ?? settings.imageText, settings.tag, settings.digest)
  const candidate = await withSource({ ...factsOf(updated), ...(settings.tag ? { tag: settings.tag } : {}), ...(settings.digest ? { digest: settings.digest } : {}) }, history, source, deploy.sourceCommit)
  const previous = [...new Set(changes.map(({ change }) => change.previous))]
  const deployed: ImageFacts[] = []
  const verdicts: OrderVerdict[] = []
  for (const reference of previous) {
    const facts = await withSource(factsOf(reference), history, source)
    deployed.push(facts)
    const relation = candidate.sourceCommit && facts.sourceCommit && source ? await ancestry(source, candidate.sourceCommit, facts.sourceCommit, where) : undefined
    verdicts.push(compareImages(candidate, facts, relation))
  }
  const verdict = combineVerdicts(verdicts) ?? { order: 'same', basis: 'none', reason: 'nothing is pinned yet' }
  const current = plans.map((plan) => readHold(plan.path, plan.original, plan.changes.map((c) => c.document), deploy.service)).find(Boolean)
  const decision = decide({
    verdict,
    ...(current ? { heldAt: current.image } : {}),
    allowDowngrade: deploy.allowDowngrade,
    releaseHold: deploy.releaseHold,
    supersedeHold: deploy.supersedeHold,
    unknownOrder: deploy.unknownOrder,
  })
  const guard: Guard = { verdict, decision, candidate, deployed }
  if (against) guard.against = against
  if (current) guard.current = current
  if (decision.hold === 'keep') guard.after = current
  if (decision.hold === 'set') {
    guard.after = { service: deploy.service, image: updated, at: now.toISOString(), ...(deploy.actor ? { by: deploy.actor } : {}), ...(deploy.workflowRun ? { run: deploy.workflowRun } : {}) }
  }
  return guard
}

/** The plans with the guard's hold change applied to each file that pins the service. */
export function applyHold(plans: FilePlan[], guard: Guard, service: string): FilePlan[] {
  const { hold } = guard.decision
  if (hold !== 'set' && hold !== 'clear') return plans
  return plans.map((plan) => {
    const documents = plan.changes.map((c) => c.document)
    if (documents.length === 0) return plan
    const updated = hold === 'set' && guard.after ? setHold(plan.path, plan.updated, documents, guard.after) : clearHold(plan.path, plan.updated, documents, service)
    return { ...plan, updated }
  })
}
