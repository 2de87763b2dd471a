// Reads inputs, plans the edit against the work tree (every check before any side effect), then
// writes, commits, pushes or opens a pull request, and reports outputs and a job summary.
import { realpathSync } from 'node:fs'
import { relative, resolve, sep } from 'node:path'
import * as core from '@actions/core'
import { errorMessage, findWorkTree, Git, InputError, type ReceiptSync } from '@aks-gitops/toolkit'
import { awaitArgoCd } from './argocd-wait'
import { expandFiles, readManifests, writeManifests } from './files'
import { readSettings, type Settings } from './inputs'
import { commitMessage, type MessageValues } from './message'
import { changedPlans, planFiles, type FilePlan, type PlanRequest } from './plan'
import { gitStore, publish, type CommitStore } from './publish'
import type { Octokit, OpenPullRequest } from './pull-request'
import { afterRateLimits } from './rate-limit-retry'
import { joinReference } from './reference'
import { previousImages, summaryMarkdown, updatedFiles, type Outcome } from './report'
import { trailerLines, type Provenance } from './trailers'
import { applyHold, guardDeploy, GuardRefusal, resolvePrevious, type GitFacts, type Guard } from './guard'
import { comparedWith, guardMarkdown, guardOutputs } from './guard-report'
import { buildReceipt, receiptMarkdown, syncOfWait } from './receipt'
import { waitFailureMessage } from './status-wait'

function planRequest(settings: Settings): PlanRequest {
  const { image, tag, digest, newName, container, paths, allowNoMatch } = settings
  return { image, tag, digest, newName, container, paths, allowNoMatch }
}

function messageValues(settings: Settings, branch: string, plans: readonly FilePlan[], guard?: Guard): MessageValues {
  const previous = [...new Set(plans.flatMap((plan) => plan.changes.map((c) => c.previous)))]
  const files = updatedFiles(plans)
  const { deploy } = settings
  const provenance: Provenance = {
    image: joinReference(settings.newName ?? settings.imageText, settings.tag, undefined),
    imageDigest: settings.digest,
    platforms: deploy.platforms,
    previousImages: previous.filter((p) => p !== joinReference(settings.newName ?? settings.imageText, settings.tag, settings.digest)),
    // A redeploy's source commit is the one recorded when the image was first deployed, if any.
    sourceCommit: deploy.sourceCommit ?? guard?.candidate.sourceCommit,
    sourceRef: deploy.sourceRef,
    workflowRun: deploy.workflowRun,
    hold: guard?.decision.hold === 'set' ? 'set' : guard?.decision.hold === 'clear' ? 'released' : undefined,
  }
  return {
    trailers: trailerLines(provenance),
    image: settings.newName ?? settings.imageText,
    tag: settings.tag,
    digest: settings.digest,
    files: files.length > 0 ? files : plans.map((p) => p.path),
    environment: settings.environment,
    branch,
    previous,
  }
}

function setOutputs(plans: readonly FilePlan[], outcome: Outcome): void {
  core.setOutput('changed', String(outcome.changed))
  core.setOutput('commit-sha', outcome.commit ?? '')
  core.setOutput('previous-images', JSON.stringify(previousImages(plans)))
  core.setOutput('updated-files', JSON.stringify(updatedFiles(plans)))
  core.setOutput('pull-request-url', outcome.pullRequestUrl ?? '')
  core.setOutput('attempts', String(outcome.attempts))
  core.setOutput('auto-merge', outcome.autoMerge?.state ?? '')
}

async function report(plans: readonly FilePlan[], outcome: Outcome, guard?: Guard): Promise<void> {
  setOutputs(plans, outcome)
  if (guard) for (const [name, value] of Object.entries(guardOutputs(guard))) core.setOutput(name, value)
  // The details, folded: the deployment receipt (deliverReceipt) is the table a person reads first.
  const refused = guard && !guard.decision.commit ? guard.decision.refused : undefined
  const details = `${summaryMarkdown(plans, { ...outcome, refused })}${guard ? guardMarkdown(guard) : ''}`
  await writeSummary(guard ? `<details><summary>bump-manifest: files, order and hold</summary>\n\n${details}\n</details>\n\n` : details)
}

/** Appends to the job summary. The change has landed by now: a missing summary file is worth a warning, not a failure. */
async function writeSummary(markdown: string): Promise<void> {
  try {
    await core.summary.addRaw(markdown).write()
  } catch (error) {
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}

/** The manifests' repository and branch; as GitFacts it carries the deploy history, read once for every check. */
interface GitTarget extends GitFacts {
  branch: string
  current?: string
}

/** Git checks that must pass before anything is written: a repository, a branch, the remote. */
async function gitTarget(settings: Settings, paths: readonly string[]): Promise<GitTarget> {
  const auth = settings.token ? { token: settings.token, serverUrl: settings.serverUrl } : undefined
  // The user named this work tree, so git may use it although another uid owns it (container: jobs).
  const safeDirectory = findWorkTree(settings.workingDirectory)
  const top = await new Git(settings.workingDirectory, { auth, safeDirectory })
    .topLevel()
    .catch((error: unknown) => {
      throw new InputError('working-directory', `"${settings.workingDirectory}" is not usable as a git work tree: ${errorMessage(error)}`)
    })
  // From here on git runs at the top level, where repository-relative paths mean what they say.
  const git = new Git(top, { auth, safeDirectory })
  const current = await git.tryCurrentBranch()
  const branch = settings.branch ?? current
  if (!branch) {
    throw new InputError('branch', 'is required when HEAD is detached (tag builds check out a tag): name the branch to commit to, e.g. main')
  }
  if (settings.push && settings.commitMethod === 'git' && !(await git.remoteExists(settings.remote))) throw new InputError('remote', `"${settings.remote}" is not a remote of this repository`)
  const root = realpathSync(top)
  const workdir = realpathSync(settings.workingDirectory)
  const repoPaths = new Map(paths.map((path) => [path, relative(root, resolve(workdir, path)).split(sep).join('/')]))
  return { git, branch, current, repoPaths }
}

function pullRequestBranch(settings: Settings, branch: string): string {
  if (settings.pullRequestBranch) return settings.pullRequestBranch
  const name = (settings.newName ?? settings.imageText).split('/').pop() ?? 'image'
  return `bump-manifest/${branch}/${name}${settings.environment ? `-${settings.environment.replace(/[^A-Za-z0-9._-]/g, '-')}` : ''}`
}

interface Published {
  plans: FilePlan[]
  outcome: Outcome
  /** A failure after the change landed (auto-merge): reported after the outputs are set. */
  failure?: Error
  /** The guard that decided the commit: the attempt's own when it checked an open pull request's branch. */
  guard: Guard
}

/** The pull request title and body: the commit message's subject and the rest. */
function pullRequestText(settings: Settings, branch: string, plans: FilePlan[], guard: Guard): { title: string; body: string } {
  const [title = '', ...body] = commitMessage(settings.commitMessage, messageValues(settings, branch, plans, guard), plans).trim().split('\n')
  return { title, body: body.join('\n').trim() }
}

/** The run's one GitHub client, made on first use. */
type GitHubClient = () => Promise<Octokit>

/**
 * Opens or updates the pull request once the commit is on its branch. A refusal (a 403 says which
 * setting or token) is returned, to fail the step after the outputs name the commit that landed.
 */
async function openPullRequest(settings: Settings, target: GitTarget, github: GitHubClient, head: string, commit: string, plans: FilePlan[], guard: Guard, outcome: Outcome, open?: OpenPullRequest): Promise<Error | undefined> {
  const [{ enableAutoMerge, openOrUpdatePullRequest }, octokit] = await Promise.all([import(/* webpackChunkName: "github-api" */ './pull-request'), github()])
  let pr
  try {
    pr = await afterRateLimits(() => openOrUpdatePullRequest(octokit, { repository: settings.repository as string, head, base: target.branch, commit, ...pullRequestText(settings, target.branch, plans, guard) }, open))
  } catch (error) {
    return error as Error
  }
  outcome.pullRequestUrl = pr.url
  if (pr.supersededBy) {
    // Another run of this image and environment pushed the branch after this one and opened the pull request.
    core.warning(`Pull request ${pr.url} was opened by another run meanwhile; its head is now ${pr.supersededBy}, pushed after this run's ${commit}, so its title stays.`)
    return undefined
  }
  core.info(`${pr.created ? 'Opened' : 'Updated'} pull request ${pr.url}${open ? ` (the commit is on top of its branch, ${open.headSha.slice(0, 12)})` : ''}`)
  if (!settings.autoMerge) return undefined
  try {
    const [method, nodeId] = [settings.autoMerge, pr.nodeId]
    const result = await afterRateLimits(() => enableAutoMerge(octokit, nodeId, method, commit))
    outcome.autoMerge = { method: settings.autoMerge, ...result }
    if (result.state === 'enabled') core.info(`Auto-merge (${settings.autoMerge}) enabled on ${pr.url}`)
    else core.warning(`Auto-merge not enabled on ${pr.url}: ${result.reason}. The pull request stays open.`)
    return undefined
  } catch (error) {
    return error as Error
  }
}

/** Where the commit is built and landed: read `readBranch`, land on `landBranch` (by force or not). */
async function branchStore(settings: Settings, target: GitTarget, readBranch: string, landBranch: string, force: boolean, github: GitHubClient): Promise<CommitStore> {
  if (settings.commitMethod === 'api') {
    const [{ apiStore }, octokit] = await Promise.all([import(/* webpackChunkName: "github-api" */ './git-data'), github()])
    return apiStore({ octokit, repository: settings.repository as string, branch: readBranch, landBranch, force })
  }
  const { git } = target
  return gitStore({ git, remote: settings.remote, branch: readBranch, pushBranch: landBranch, push: settings.push, force, author: settings.author })
}

/** The store of an attempt; in pull-request mode it stacks on an open pull request's branch (see pull-request-branch.ts). */
async function commitStore(settings: Settings, target: GitTarget, landBranch: string, github: GitHubClient): Promise<CommitStore & { open?: () => OpenPullRequest | undefined }> {
  if (!settings.pullRequest) return branchStore(settings, target, target.branch, landBranch, false, github)
  const [{ findOpenPullRequest }, { pullRequestBranchStore }, octokit] = await Promise.all([
    import(/* webpackChunkName: "github-api" */ './pull-request'),
    import(/* webpackChunkName: "github-api" */ './pull-request-branch'),
    github(),
  ])
  return pullRequestBranchStore({
    findOpen: () => findOpenPullRequest(octokit, settings.repository as string, landBranch, target.branch),
    stacked: await branchStore(settings, target, landBranch, landBranch, false, github),
    rebuilt: await branchStore(settings, target, target.branch, landBranch, true, github),
  })
}

async function commitAndPush(settings: Settings, target: GitTarget, plans: FilePlan[], globbed: Set<string>, checked: Guard, onAttempt: (attempt: number) => void): Promise<Published> {
  const request = planRequest(settings)
  const landBranch = settings.pullRequest ? pullRequestBranch(settings, target.branch) : target.branch
  const api = settings.commitMethod === 'api'
  const where = api ? `${settings.repository}@${landBranch} through the GitHub API` : settings.push ? `${settings.remote}/${landBranch}` : ''
  // One client for the commit and the pull request, loaded only when the API is used: Octokit is
  // most of the bundle, and startup time counts when many pipelines bump at once. git-data and
  // pull-request share one lazily loaded chunk (webpackChunkName), so what both import
  // (github-errors) is bundled once instead of into two chunks.
  let client: Promise<Octokit> | undefined
  const github: GitHubClient = () => (client ??= import(/* webpackChunkName: "github-api" */ './pull-request').then((m) => m.github(settings.token as string, settings.apiUrl)))
  core.startGroup(`Commit${where ? ` to ${where}` : ` on ${target.branch}`}`)
  let result
  let guard = checked
  let attempts = 0
  const store = await commitStore(settings, target, landBranch, github)
  try {
    result = await publish({
      store,
      branch: target.branch,
      maxAttempts: settings.maxAttempts,
      repoPaths: target.repoPaths,
      replan: async (files) => {
        const next = planFiles(files.map((file) => ({ ...file, glob: globbed.has(file.path) })), request)
        // Stacked on an open pull request, the commit replaces that branch's pin, not the base's, and
        // merging it deploys whatever the branch pins last: so the order and the hold are checked
        // against the branch as this attempt read it, on top of the check against the checkout.
        const open = store.open?.()
        guard = open ? await guardDeploy(settings, next, target, new Date(), { pullRequest: open.url, branch: landBranch }) : checked
        if (open) announce(guard)
        if (!guard.decision.commit) throw new GuardRefusal(guard, next)
        // The hold change rides on every attempt's edit, applied to the files as they are on the branch.
        return applyHold(next, guard, settings.deploy.service)
      },
      message: (next) => commitMessage(settings.commitMessage, messageValues(settings, target.branch, next, guard), next),
      onAttempt: (n) => onAttempt((attempts = n)),
    })
  } catch (error) {
    if (!(error instanceof GuardRefusal)) throw error
    // Refused against the pull request's branch: nothing is committed, and that pull request is the answer.
    const open = store.open?.()
    const outcome: Outcome = { changed: false, dryRun: false, branch: landBranch, pushed: false, attempts, viaApi: api, ...(open ? { pullRequestUrl: open.url } : {}) }
    return { plans: error.plans, outcome, guard: error.guard }
  } finally {
    core.endGroup()
  }
  const outcome: Outcome = { changed: result.changed, dryRun: false, commit: result.commit, branch: landBranch, pushed: settings.push, attempts: result.attempts, viaApi: api }
  const open = store.open?.()
  // The open pull request's branch already holds this change: that pull request is the answer.
  if (open && !result.changed) outcome.pullRequestUrl = open.url
  if (!result.changed || !result.commit) return { plans: result.plans.length > 0 ? result.plans : plans, outcome, guard }

  if (settings.pullRequest) {
    const failure = await openPullRequest(settings, target, github, landBranch, result.commit, result.plans, guard, outcome, open)
    return { plans: result.plans, outcome, failure, guard }
  }
  if (target.current === target.branch) {
    // Bring the checked-out branch and work tree up to the new commit for later steps. An API commit
    // exists only on GitHub: fetch the branch first (it holds the commit even when it moved on since).
    // A failed fetch (no such remote, no credentials) needs no check of its own: the merge of a commit
    // that is not here fails and warns.
    if (api) await target.git.fetchBranch(settings.remote, target.branch).catch(() => undefined)
    if (!(await target.git.tryMergeFastForward(result.commit))) core.warning(`Could not fast-forward the local ${target.branch} to ${result.commit}`)
  } else if (!settings.push) {
    await target.git.updateRef(`refs/heads/${target.branch}`, result.commit)
  }
  return { plans: result.plans, outcome, guard }
}

/** The guard's answer in the log: a warning when something is refused, skipped or of unknown order. */
function announce(guard: Guard): void {
  const { decision, verdict } = guard
  const line = `${guard.candidate.reference}: ${decision.why}${guard.against ? `; compared with ${comparedWith(guard)}` : ''}`
  if (!decision.commit || verdict.order === 'unknown') core.warning(line)
  else core.info(line)
}

/** Seconds per stage of this step, for the receipt. */
function stageClock(previous: readonly [string, number][]): { lap: (name: string) => void; list: { name: string; seconds: number }[] } {
  const list = previous.map(([name, seconds]) => ({ name, seconds }))
  let last = Date.now()
  return {
    list,
    lap(name) {
      const now = Date.now()
      list.push({ name, seconds: (now - last) / 1000 })
      last = now
    },
  }
}

/** Waits for Argo CD when asked; the error, if any, is thrown after the receipt records the state reached. */
async function waitForSync(settings: Settings, outcome: Outcome): Promise<{ sync: ReceiptSync; error?: Error }> {
  if (!settings.wait) return { sync: { status: 'not waited', detail: 'wait-for-application is not set' } }
  const result = await awaitArgoCd(settings.wait, { repository: settings.repository as string, apiUrl: settings.apiUrl, branch: outcome.branch, commit: outcome.changed ? outcome.commit : undefined })
  if (!result) return { sync: { status: 'skipped', detail: 'no manifest commit landed' } }
  const sync = syncOfWait(result)
  return result.state === 'success' ? { sync } : { sync, error: new Error(waitFailureMessage(result, settings.wait.timeoutSeconds)) }
}

/** The earlier jobs' seconds (time-run-jobs); a failed read only warns: the deploy has happened. */
async function timeRunJobs(settings: Settings, run: { runId: number; attempt: number; token?: string }): Promise<{ name: string; seconds: number }[]> {
  const token = run.token ?? settings.token
  if (!token || !settings.repository) {
    core.warning('time-run-jobs: no token or GITHUB_REPOSITORY to read the run\'s jobs with; the receipt times this step only')
    return []
  }
  try {
    const [{ github }, { jobStages, readRunJobs }] = await Promise.all([import(/* webpackChunkName: "github-api" */ './pull-request'), import(/* webpackChunkName: "github-api" */ './run-jobs')])
    const repository = settings.repository
    return jobStages(await afterRateLimits(() => readRunJobs(github(token, settings.apiUrl), repository, run.runId, run.attempt)))
  } catch (error) {
    core.warning(`time-run-jobs: could not read the jobs of run ${run.runId} (attempt ${run.attempt}): ${errorMessage(error)}; the receipt times this step only (the token needs actions: read)`)
    return []
  }
}

/** The deployment receipt: the `receipt` output and one table in the job summary. */
async function deliverReceipt(settings: Settings, guard: Guard, outcome: Outcome, stages: readonly { name: string; seconds: number }[], sync: ReceiptSync): Promise<void> {
  const { deploy } = settings
  const jobs = deploy.runJobs ? await timeRunJobs(settings, deploy.runJobs) : []
  const receipt = buildReceipt({
    service: deploy.service,
    environment: settings.environment,
    image: joinReference(settings.newName ?? settings.imageText, settings.tag, undefined),
    digest: settings.digest,
    platforms: deploy.platforms,
    attestations: deploy.attestations,
    commit: outcome.changed && !outcome.dryRun ? outcome.commit : undefined,
    serverUrl: settings.serverUrl,
    repository: settings.repository,
    pullRequest: outcome.pullRequestUrl,
    guard,
    sync,
    stages: [...jobs, ...stages],
  })
  core.setOutput('receipt', JSON.stringify(receipt))
  await writeSummary(receiptMarkdown(receipt))
}

export async function run(): Promise<void> {
  let attempts = 0
  try {
    // readSettings masks the tokens before anything else can print them.
    const settings = readSettings()
    core.debug(`settings: ${JSON.stringify({ ...settings, token: settings.token ? '***' : undefined })}`)
    const stages = stageClock(settings.deploy.stageSeconds)

    const entries = expandFiles(settings.workingDirectory, settings.files)
    const globbed = new Set(entries.filter((e) => e.glob).map((e) => e.path))
    const manifests = readManifests(settings.workingDirectory, entries)
    // The manifests' history (trailers, holds' origin) is read wherever the files are in git.
    const target = settings.commit || settings.deploy.previous ? await gitTarget(settings, entries.map((e) => e.path)) : undefined
    if (settings.deploy.previous && target) {
      const back = await resolvePrevious(settings, target)
      core.info(`previous: ${joinReference(settings.newName ?? settings.imageText, back.tag, back.digest)}, the Previous-Image of ${back.from.commit.slice(0, 12)}`)
      if (back.tag) settings.tag = back.tag
      if (back.digest) settings.digest = back.digest
    }
    const plans = planFiles(manifests, planRequest(settings))
    for (const row of previousImages(plans)) core.info(`${row.file}: ${row.location}: ${row.previous} -> ${row.updated}`)
    const guard = await guardDeploy(settings, plans, target, new Date())
    stages.lap('order check')
    announce(guard)
    if (!guard.decision.commit) {
      const outcome: Outcome = { changed: false, dryRun: settings.dryRun, pushed: false, attempts: 0 }
      await report(plans, outcome, guard)
      await deliverReceipt(settings, guard, outcome, stages.list, { status: 'skipped', detail: `nothing committed (${guard.decision.refused})` })
      return
    }

    if (settings.dryRun || !target || !settings.commit) {
      const held = applyHold(plans, guard, settings.deploy.service)
      const changed = changedPlans(held)
      if (!settings.dryRun) {
        writeManifests(changed.map((plan) => ({ absolute: resolve(settings.workingDirectory, plan.path), text: plan.updated })))
      }
      const outcome: Outcome = { changed: changed.length > 0, dryRun: settings.dryRun, pushed: false, attempts: 0 }
      await report(held, outcome, guard)
      await deliverReceipt(settings, guard, outcome, stages.list, { status: 'skipped', detail: settings.dryRun ? 'dry run' : 'nothing committed (commit: false)' })
      return
    }
    const published = await commitAndPush(settings, target, plans, globbed, guard, (n) => (attempts = n))
    const { plans: final, outcome, failure } = published
    stages.lap('commit')
    await report(final, outcome, published.guard)
    if (!published.guard.decision.commit) {
      await deliverReceipt(settings, published.guard, outcome, stages.list, { status: 'skipped', detail: `nothing committed (${published.guard.decision.refused})` })
      return
    }
    if (failure) {
      await deliverReceipt(settings, published.guard, outcome, stages.list, { status: 'not waited', detail: errorMessage(failure) })
      throw failure
    }
    // Argo CD's word on the commit that landed (its commit status), read from GitHub, never the cluster.
    const waited = await waitForSync(settings, outcome)
    stages.lap('argo cd wait')
    await deliverReceipt(settings, published.guard, outcome, stages.list, waited.sync)
    if (waited.error) throw waited.error
  } catch (error) {
    core.setOutput('attempts', String(attempts))
    core.setFailed(errorMessage(error))
  }
}
