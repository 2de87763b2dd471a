// Resolves the release candidate a tag promotes (release-candidate: X.Y.Z), with the toolkit's
// pure rules (release-candidate.ts) applied to facts read here: the staging manifest's pin, the
// staging repository's tags (skopeo list-tags: the registry's GET /v2/<name>/tags/list,
// https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags), each
// candidate's revision, and git in the tagged checkout.
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import {
  Git,
  RegistryError,
  candidateOrder,
  errorMessage,
  expandEntry,
  findWorkTree,
  formatImageReference,
  imageRevision,
  inspectConfig,
  isGlob,
  judgeCandidate,
  listTags,
  noCandidateMessage,
  repositoryName,
  stagingPin,
  type Ancestry,
  type CandidateFacts,
  type CandidateRef,
  type ImageReference,
  type PinnedImage,
  type RegistryContext,
  type Rejected,
} from '@aks-gitops/toolkit'
import { parseAllDocuments } from 'yaml'
import { readRemote, type ImageDetails } from './image'
import type { ReleaseCandidateSettings } from './inputs'
import { withDigest, withTag } from './plan'

export interface ChosenCandidate {
  tag: string
  origin: CandidateRef['origin']
  digest: string
  revision: string
  /** The staging image by digest. */
  image: ImageReference
  details: ImageDetails
}

/** What the checkout and the manifest say, read before signing in: a bad commit or manifest fails first. */
export interface LocalFacts {
  git: Git
  target: string
  pin?: PinnedImage
}

export async function readLocalFacts(release: ReleaseCandidateSettings, repository: ImageReference): Promise<LocalFacts> {
  // The user named this checkout: trust it although another uid owns it (container: jobs), or every
  // commit would read as "not a commit of the checkout".
  const git = new Git(release.gitDirectory, { quiet: true, safeDirectory: findWorkTree(release.gitDirectory) })
  const target = await git.tryRevParse(release.commit)
  if (!target) {
    throw new RegistryError('other', `release-commit "${release.commit}" is not a commit of the checkout at ${release.gitDirectory} (check out the tagged commit there, with fetch-depth: 0)`)
  }
  const documents: unknown[] = []
  for (const file of stagingFiles(release.stagingManifests)) {
    try {
      documents.push(...parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => doc.toJS() as unknown))
    } catch (error) {
      throw new RegistryError('other', `release-staging-manifest: cannot read ${file}: ${errorMessage(error)}`)
    }
  }
  const pin = stagingPin(documents, repositoryName(repository))
  return pin ? { git, target, pin } : { git, target }
}

/** The files the release-staging-manifest entries name; a glob (as the pipeline's `manifests`) must match one at least. */
function stagingFiles(entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    const files = expandEntry(entry, process.cwd())
    if (isGlob(entry) && files.length === 0) throw new RegistryError('other', `release-staging-manifest: "${entry}" matches no file`)
    return files
  })
}

/**
 * The first image manifest's config (OCI image config JSON), for a revision kept only as a label;
 * a single manifest's was read with it already.
 */
async function firstConfig(ref: ImageReference, details: ImageDetails, ctx: RegistryContext): Promise<string | undefined> {
  if (!details.isIndex) return details.config
  const first = [...details.manifests.keys()][0]
  return first ? inspectConfig(withDigest(ref, first), ctx) : undefined
}

/** The commit the image was built from: its org.opencontainers.image.revision, on the index or in the first image's config. */
export async function revisionOf(ref: ImageReference, details: ImageDetails, ctx: RegistryContext): Promise<string | undefined> {
  return imageRevision(details.raw) ?? imageRevision(details.raw, await firstConfig(ref, details, ctx))
}

async function ancestry(git: Git, revision: string, target: string): Promise<Ancestry> {
  if (!(await git.tryRevParse(revision))) return 'unknown-commit'
  return (await git.isAncestor(revision, target)) ? 'ancestor' : 'not-ancestor'
}

/**
 * release-paths in the syntax of the callers' `on.push.paths` filters, as git pathspecs: `*` stays
 * within one directory and `**` crosses them (git's glob magic, as GitHub's filters), and a leading
 * `!` excludes what an earlier pattern included.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet
 */
export function releasePathspecs(paths: readonly string[]): string[] {
  return paths.map((path) => (path.startsWith('!') ? `:(exclude,glob)${path.slice(1)}` : `:(glob)${path}`))
}

/** Files under `paths` whose content differs between the two commits, and the newest commit that changed one. */
async function changes(git: Git, revision: string, target: string, paths: readonly string[]): Promise<{ files: string[]; by?: string }> {
  const diff = await git.run(['diff', '--no-renames', '--name-only', '-z', revision, target, '--', ...releasePathspecs(paths)])
  const files = diff.stdout.split('\0').filter(Boolean)
  if (files.length === 0) return { files }
  // The names git printed, taken literally (a file name may hold `*` or `?`).
  const log = await git.run(['log', '-1', '--format=%H', `${revision}..${target}`, '--', ...files.map((file) => `:(literal)${file}`)])
  const by = log.stdout.trim()
  return by ? { files, by } : { files }
}

async function gather(candidate: CandidateRef, repository: ImageReference, local: LocalFacts, release: ReleaseCandidateSettings, ctx: RegistryContext): Promise<{ facts: CandidateFacts; details: ImageDetails }> {
  const ref = candidate.digest ? withDigest(repository, candidate.digest) : withTag(repository, candidate.tag)
  const details = await readRemote(ref, ctx)
  const revision = await revisionOf(ref, details, ctx)
  const facts: CandidateFacts = { ...candidate, digest: details.digest, changedFiles: [] }
  if (!revision) return { facts, details }
  facts.revision = revision
  facts.ancestry = await ancestry(local.git, revision, local.target)
  if (facts.ancestry === 'ancestor') {
    const changed = await changes(local.git, revision, local.target, release.paths)
    facts.changedFiles = changed.files
    if (changed.by) facts.changedBy = changed.by
  }
  return { facts, details }
}

/** The candidate to promote, or a RegistryError saying what was found and what to do. */
export async function resolveCandidate(release: ReleaseCandidateSettings, repository: ImageReference, local: LocalFacts, ctx: RegistryContext): Promise<ChosenCandidate> {
  const tags = await core.group(`List the tags of ${repositoryName(repository)}`, () => listTags(repositoryName(repository), ctx))
  const order = candidateOrder(release.version, local.pin, tags)
  const rejected: Rejected[] = []
  for (const candidate of order) {
    const label = `${candidate.tag}${candidate.origin === 'staging-manifest' ? ' (pinned in staging)' : ''}`
    let gathered: { facts: CandidateFacts; details: ImageDetails }
    try {
      gathered = await core.group(`Examine ${label}`, () => gather(candidate, repository, local, release, ctx))
    } catch (error) {
      // A pinned digest that is gone from the registry is a finding, not a crash; anything else is.
      if (!(error instanceof RegistryError && error.kind === 'not-found')) throw error
      rejected.push({ facts: candidate, reason: `is not in the registry (${candidate.digest ?? candidate.tag} not found)` })
      continue
    }
    const verdict = judgeCandidate(gathered.facts, local.target)
    if (verdict.ok && gathered.facts.revision) {
      core.info(`Release candidate: ${label} ${gathered.facts.digest}, built from ${gathered.facts.revision}`)
      return {
        tag: candidate.tag,
        origin: candidate.origin,
        digest: gathered.facts.digest,
        revision: gathered.facts.revision,
        image: withDigest(repository, gathered.facts.digest),
        details: gathered.details,
      }
    }
    if (!verdict.ok) {
      core.info(`${label} ${verdict.reason}`)
      rejected.push({ facts: candidate, reason: verdict.reason })
    }
  }
  const context = { version: release.version, repository: repositoryName(repository), target: local.target, rejected }
  throw new RegistryError('other', noCandidateMessage(local.pin ? { ...context, pin: local.pin } : context))
}

/** The candidate's outputs, and a line the job summary (written with the rest) starts with. */
export function announceCandidate(chosen: ChosenCandidate): void {
  core.setOutput('candidate-tag', chosen.tag)
  core.setOutput('candidate-revision', chosen.revision)
  core.setOutput('candidate-origin', chosen.origin)
  const from = chosen.origin === 'staging-manifest' ? 'the digest the staging manifest pins' : 'the newest candidate in the staging registry'
  core.summary.addRaw(
    `<p>Release candidate <code>${chosen.tag}</code> (${from}): <code>${formatImageReference(chosen.image)}</code>, built from <code>${chosen.revision}</code>.</p>`,
    true,
  )
}
