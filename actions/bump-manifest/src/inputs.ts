// Every input, parsed and validated into one typed settings object before anything happens.
// Nothing else reads inputs. A bad value throws InputError naming the input and what was expected.
import { isAbsolute, resolve } from 'node:path'
import {
  commitShaExpected,
  digestProblem,
  getBoolean,
  getChoice,
  getInteger,
  getList,
  getString,
  InputError,
  isCommitSha,
  isOwnerName,
  isServiceName,
  isValidTag,
  maskToken,
  parseRepository,
  splitList,
  errorMessage,
  parsePlatforms,
  runUrl,
  SERVICE_NAME_EXPECTED,
  type ImageReference,
} from '@aks-gitops/toolkit'
import { skipMarker, unknownPlaceholders, PLACEHOLDERS } from './message'
import { parseWaitSettings, type WaitSettings } from './wait-settings'
import { parsePathSpec, type PathSpec } from './targets'

export const DEFAULT_AUTHOR = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' }

export const COMMIT_METHODS = ['git', 'api'] as const
export type CommitMethod = (typeof COMMIT_METHODS)[number]
export const MERGE_METHODS = ['merge', 'squash', 'rebase'] as const
export type MergeMethod = (typeof MERGE_METHODS)[number]

export interface Settings {
  workingDirectory: string
  files: string[]
  image: ImageReference
  /** The image input as written, for messages. */
  imageText: string
  tag?: string
  digest?: string
  newName?: string
  container?: string
  paths?: PathSpec[]
  allowNoMatch: boolean
  commit: boolean
  push: boolean
  remote: string
  branch?: string
  commitMessage?: string
  environment?: string
  author: { name: string; email: string }
  token?: string
  maxAttempts: number
  pullRequest: boolean
  pullRequestBranch?: string
  /** Enable auto-merge on the pull request with this method (pull-request mode only). */
  autoMerge?: MergeMethod
  /** git: commit with git plumbing and push. api: create the commit through GitHub's Git Data API, which signs it. */
  commitMethod: CommitMethod
  dryRun: boolean
  /** GITHUB_SERVER_URL: where the token is sent as an HTTP header. */
  serverUrl: string
  /** GITHUB_API_URL: the REST API (and, derived from it, GraphQL). */
  apiUrl: string
  /** GITHUB_REPOSITORY (owner/name), for pull requests and commit-method api. */
  repository?: string
  /** Trailers, ordering, holds and the receipt (readDeploySettings). */
  deploy: DeploySettings
  /** Wait for Argo CD's commit status on the manifest commit (wait-for-application). */
  wait?: WaitSettings
}

const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/
const REMOTE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/

/** The branch name rules of `git check-ref-format --branch`, plus no leading `-` (never an option). */
export function branchProblem(name: string): string | undefined {
  if (name.startsWith('-')) return 'must not start with "-"'
  const control = [...name].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
  if (control || /[\s~^:?*[\\]/.test(name)) return 'must not contain spaces, control characters or any of ~ ^ : ? * [ \\'
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return 'must not contain "..", "@{" or "//"'
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.') || name.endsWith('.lock') || name === '@') {
    return 'must not start or end with "/", end with "." or ".lock", or be "@"'
  }
  if (name.split('/').some((part) => part.startsWith('.'))) return 'no path component may start with "."'
  return undefined
}

function optional(name: string): string | undefined {
  const value = getString(name)
  return value === '' ? undefined : value
}

function parseImageInput(name: string, value: string): ImageReference {
  try {
    return parseRepository(value)
  } catch (error) {
    throw new InputError(name, `${errorMessage(error)} (expected a repository such as myacr.azurecr.io/vote)`)
  }
}

function parseTag(): string | undefined {
  const tag = optional('tag')
  if (tag !== undefined && !isValidTag(tag)) {
    const shown = tag.length > 40 ? `${tag.slice(0, 40)}… (${tag.length} characters)` : tag
    throw new InputError('tag', `"${shown}" is not a valid tag (expected 1 to 128 of A-Z a-z 0-9 _ . -, not starting with . or -)`)
  }
  return tag
}

function parseDigest(): string | undefined {
  const digest = optional('digest')
  if (digest === undefined) return undefined
  const problem = digestProblem(digest)
  if (problem) throw new InputError('digest', `"${digest}" is not a valid digest: ${problem}`)
  return digest
}

function parsePaths(tag: string | undefined, digest: string | undefined, newName: string | undefined): PathSpec[] | undefined {
  const specs = splitList(getString('yaml-path'))
  if (specs.length === 0) return undefined
  return specs.map((text) => {
    let spec: PathSpec
    try {
      spec = parsePathSpec(text)
    } catch (error) {
      throw new InputError('yaml-path', errorMessage(error))
    }
    if (spec.field === 'tag' && tag === undefined) throw new InputError('yaml-path', `"${text}" sets the tag but no tag input was given`)
    if (spec.field === 'digest' && digest === undefined) throw new InputError('yaml-path', `"${text}" sets the digest but no digest input was given`)
    if (spec.field === 'repository' && newName === undefined) {
      throw new InputError('yaml-path', `"${text}" sets the repository but no new-name input was given`)
    }
    return spec
  })
}

function parseCommitMessage(): string | undefined {
  const template = optional('commit-message')
  if (template === undefined) return undefined
  const marker = skipMarker(template)
  if (marker) {
    throw new InputError(
      'commit-message',
      `contains "${marker}", which would also skip the manifest validation workflow; manifest commits do not rebuild images anyway, because the build workflows are path-filtered to the services' sources`,
    )
  }
  const unknown = unknownPlaceholders(template)
  if (unknown.length > 0) {
    throw new InputError('commit-message', `unknown placeholder ${unknown.map((u) => `{${u}}`).join(', ')} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(' ')})`)
  }
  return template
}

export function readSettings(env: Record<string, string | undefined> = process.env): Settings {
  // The tokens first: masked before anything else can print them.
  const token = optional('token')
  if (token) maskToken(token)
  const statusToken = optional('status-token')
  if (statusToken) maskToken(statusToken)
  const workspace = env.GITHUB_WORKSPACE ?? process.cwd()
  const workingInput = getString('working-directory')
  const workingDirectory = workingInput === '' ? workspace : isAbsolute(workingInput) ? workingInput : resolve(workspace, workingInput)
  const files = getList('files', { required: true })
  const imageText = getString('image', { required: true })
  const image = parseImageInput('image', imageText)
  const tag = parseTag()
  const digest = parseDigest()
  const previous = getBoolean('previous', false)
  if (previous && (tag !== undefined || digest !== undefined)) throw new InputError('previous', 'takes the tag and digest from the history: leave tag and digest empty')
  if (tag === undefined && digest === undefined && !previous) throw new InputError('tag', 'give a tag, a digest, or both (none was given)')
  const newNameText = optional('new-name')
  if (newNameText !== undefined) parseImageInput('new-name', newNameText)
  const container = optional('container')
  if (container !== undefined && !CONTAINER_NAME.test(container)) {
    throw new InputError('container', `"${container}" is not a container name (expected lowercase letters, digits and -)`)
  }
  const remote = getString('remote', { default: 'origin' })
  if (!REMOTE_NAME.test(remote)) throw new InputError('remote', `"${remote}" is not a git remote name`)
  const branch = optional('branch')
  const branchError = branch === undefined ? undefined : branchProblem(branch)
  if (branch !== undefined && branchError) throw new InputError('branch', `"${branch}" ${branchError}`)
  const pullRequestBranch = optional('pull-request-branch')
  const prBranchError = pullRequestBranch === undefined ? undefined : branchProblem(pullRequestBranch)
  if (pullRequestBranch !== undefined && prBranchError) throw new InputError('pull-request-branch', `"${pullRequestBranch}" ${prBranchError}`)
  const author = { name: getString('author-name', { default: DEFAULT_AUTHOR.name }), email: getString('author-email', { default: DEFAULT_AUTHOR.email }) }
  if (/[<>\r\n]/.test(author.name)) throw new InputError('author-name', 'must not contain <, > or a line break')
  if (!/^[^<>\s@]+@[^<>\s@]+$/.test(author.email)) throw new InputError('author-email', `"${author.email}" is not an e-mail address`)

  const commit = getBoolean('commit', true)
  const push = getBoolean('push', true) && commit
  const pullRequest = getBoolean('pull-request', false)
  const repository = env.GITHUB_REPOSITORY
  // Pull-request mode and commit-method api call the GitHub API on this repository.
  const ownerName = isOwnerName(repository)
  if (pullRequest) {
    if (!push) throw new InputError('pull-request', 'needs commit and push (a pull request is opened from a pushed branch)')
    if (token === undefined) throw new InputError('token', 'is required in pull-request mode (it calls the GitHub API)')
    if (!ownerName) throw new InputError('pull-request', 'needs GITHUB_REPOSITORY (owner/name)')
  }
  const commitMethod = getChoice('commit-method', COMMIT_METHODS, 'git')
  if (commitMethod === 'api') {
    if (!push) {
      throw new InputError('commit-method', '"api" creates the commit on GitHub, so it needs commit and push true (use git to commit locally only)')
    }
    if (token === undefined) throw new InputError('token', 'is required with commit-method api (it calls the GitHub API)')
    if (!ownerName) throw new InputError('commit-method', '"api" needs GITHUB_REPOSITORY (owner/name)')
    // GitHub signs an API commit only when it carries no custom author or committer
    // (https://docs.github.com/en/authentication/managing-commit-signature-verification/about-commit-signature-verification#signature-verification-for-bots).
    if (author.name !== DEFAULT_AUTHOR.name || author.email !== DEFAULT_AUTHOR.email) {
      throw new InputError(
        'author-name',
        'and author-email cannot be set with commit-method api: GitHub signs a commit made through the API only without a custom author, and makes the token\'s identity its author',
      )
    }
  }
  const autoMergeText = optional('auto-merge')
  const autoMerge = autoMergeText === undefined || autoMergeText === 'off' || autoMergeText === 'false' ? undefined : autoMergeText
  if (autoMerge !== undefined) {
    if (!(MERGE_METHODS as readonly string[]).includes(autoMerge)) {
      throw new InputError('auto-merge', `"${autoMerge}" is not a merge method (expected merge, squash or rebase; empty or off to leave it off)`)
    }
    if (!pullRequest) throw new InputError('auto-merge', 'needs pull-request: true (auto-merge merges the pull request this step opens)')
  }
  const environment = optional('environment')
  if (environment !== undefined && /[\r\n]/.test(environment)) throw new InputError('environment', 'must be one line')

  const settings: Settings = {
    workingDirectory,
    files,
    image,
    imageText,
    allowNoMatch: getBoolean('allow-no-match', false),
    commit,
    push,
    remote,
    author,
    maxAttempts: getInteger('max-attempts', 5, { min: 1, max: 50 }),
    pullRequest,
    commitMethod,
    dryRun: getBoolean('dry-run', false),
    serverUrl: env.GITHUB_SERVER_URL || 'https://github.com',
    apiUrl: env.GITHUB_API_URL || 'https://api.github.com',
    deploy: readDeploySettings(env, newNameText ?? imageText, workspace, { previous, statusToken }),
  }
  const paths = parsePaths(tag, digest, newNameText)
  const commitMessage = parseCommitMessage()
  const assign = { tag, digest, newName: newNameText, container, paths, branch, commitMessage, environment, token, pullRequestBranch, repository, autoMerge: autoMerge as MergeMethod | undefined }
  for (const [key, value] of Object.entries(assign)) if (value !== undefined) (settings as unknown as Record<string, unknown>)[key] = value
  const wait = readWaitSettings(settings, statusToken)
  if (wait) settings.wait = wait
  return settings
}

/** The wait for Argo CD's commit status; wait-settings.ts validates it against what the step is set to do. */
function readWaitSettings(settings: Settings, statusToken: string | undefined): WaitSettings | undefined {
  const raw = { application: getString('wait-for-application'), context: getString('wait-context'), timeout: getString('wait-timeout'), interval: getString('wait-interval'), statusToken: statusToken ?? '' }
  const { environment, token, pullRequest, push, dryRun, repository } = settings
  return parseWaitSettings(raw, { environment, token, pullRequest, push, dryRun, repository })
}

export const UNKNOWN_ORDER = ['deploy', 'refuse'] as const
export type UnknownOrder = (typeof UNKNOWN_ORDER)[number]

/** What makes a deploy safe and traceable (README "Safe deploys"): trailers, ordering, holds, receipt. */
export interface DeploySettings {
  /** The commit the new image was built from; undefined when not known (a redeploy looks it up in the history). */
  sourceCommit?: string
  sourceRef?: string
  platforms: string[]
  /** GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID. */
  workflowRun?: string
  /** GITHUB_ACTOR: who set a hold. */
  actor?: string
  /** A deliberate deploy (redeploy, rollback): an older image is committed, and the service is held at it. */
  allowDowngrade: boolean
  /** Clear the service's hold in this environment (redeploy with release-hold). */
  releaseHold: boolean
  /** A deliberate release (release branch, release tag): an image newer than the held one replaces the hold. */
  supersedeHold: boolean
  /** What to do when the order of the two images cannot be known. */
  unknownOrder: UnknownOrder
  /** A git repository with the source history, for the ancestry of sha-<7> images; default the manifests' repository. */
  sourceDirectory?: string
  /** Pin what the file pinned before its last manifest commit for this image (the Previous-Image trailer). */
  previous: boolean
  /** The service the receipt and the hold name (default the image's last path component). */
  service: string
  /** What the receipt says about attestations (e.g. "provenance, sbom"). */
  attestations?: string
  /** Seconds each earlier stage took, for the receipt: name -> seconds. */
  stageSeconds: [string, number][]
  /** Read the earlier jobs' seconds from GitHub (time-run-jobs): this run's id and attempt. */
  runJobs?: { runId: number; attempt: number; token?: string }
}

function parseStageSeconds(text: string): [string, number][] {
  return splitList(text).map((item) => {
    const match = /^([A-Za-z0-9][A-Za-z0-9 _.-]*)=([0-9]+(\.[0-9]+)?)$/.exec(item)
    if (!match) throw new InputError('stage-seconds', `"${item}" is not NAME=SECONDS (expected e.g. build=312,publish=41.5)`)
    return [match[1] as string, Number(match[2])]
  })
}

/** The safe-deploy inputs; `previous` and `status-token` are readSettings' own (each input is read once). */
function readDeploySettings(env: Record<string, string | undefined>, imageName: string, workspace: string, read: { previous: boolean; statusToken: string | undefined }): DeploySettings {
  const { previous, statusToken } = read
  const allowDowngrade = getBoolean('allow-downgrade', false)
  const commitText = optional('source-commit')
  // A commit as git prints it (lowercase), abbreviated or full.
  const commitShape = { abbreviated: true }
  if (commitText !== undefined && !isCommitSha(commitText, commitShape)) {
    throw new InputError('source-commit', `"${commitText}" is not a commit SHA (expected ${commitShaExpected(commitShape)})`)
  }
  // A deliberate redeploy pins an image built earlier: the run's own commit is not its source, so
  // without an explicit source-commit it is looked up in the manifest history (ordering.ts).
  const runCommit = allowDowngrade || previous ? undefined : env.GITHUB_SHA || undefined
  const sourceRef = optional('source-ref') ?? (allowDowngrade || previous ? undefined : env.GITHUB_REF || undefined)
  if (sourceRef !== undefined && /[\s]/.test(sourceRef)) throw new InputError('source-ref', `"${sourceRef}" is not a git ref (no spaces or line breaks)`)
  const platforms = getList('platforms')
  try {
    parsePlatforms(platforms)
  } catch (error) {
    throw new InputError('platforms', `${errorMessage(error)} (expected e.g. linux/amd64,linux/arm64)`)
  }
  const service = optional('service') ?? imageName.split('/').pop() ?? imageName
  // The toolkit's one rule for a service, which also keeps the hold's annotation key valid.
  if (!isServiceName(service)) throw new InputError('service', `"${service}" is not a service name (expected ${SERVICE_NAME_EXPECTED})`)
  const sourceText = optional('source-git-directory')
  const settings: DeploySettings = {
    platforms,
    allowDowngrade,
    releaseHold: getBoolean('release-hold', false),
    supersedeHold: getBoolean('supersede-hold', false),
    unknownOrder: getChoice('unknown-order', UNKNOWN_ORDER, 'deploy'),
    previous,
    service,
    stageSeconds: parseStageSeconds(getString('stage-seconds')),
  }
  const sourceCommit = commitText ?? runCommit
  if (sourceCommit) settings.sourceCommit = sourceCommit
  if (sourceRef) settings.sourceRef = sourceRef
  const workflowRun = runUrl(env)
  if (workflowRun) settings.workflowRun = workflowRun
  if (env.GITHUB_ACTOR) settings.actor = env.GITHUB_ACTOR
  if (sourceText) settings.sourceDirectory = isAbsolute(sourceText) ? sourceText : resolve(workspace, sourceText)
  const attestations = optional('attestations')
  if (attestations) settings.attestations = attestations
  if (getBoolean('time-run-jobs', false)) {
    const [runId, attempt] = [Number(env.GITHUB_RUN_ID), Number(env.GITHUB_RUN_ATTEMPT || '1')]
    if (!Number.isSafeInteger(runId) || runId <= 0 || !Number.isSafeInteger(attempt) || attempt <= 0) {
      throw new InputError('time-run-jobs', 'needs GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT (the run whose jobs it times)')
    }
    // status-token (this job's GITHUB_TOKEN) reads the jobs, else the token input.
    settings.runJobs = { runId, attempt, ...(statusToken ? { token: statusToken } : {}) }
  }
  return settings
}
