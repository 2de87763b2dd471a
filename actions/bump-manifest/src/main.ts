// Reads inputs, plans the edit against the work tree (every check before any side effect), then
// writes, commits, pushes or opens a pull request, and reports outputs and a job summary.
import { realpathSync } from 'node:fs'
import { relative, resolve, sep } from 'node:path'
import * as core from '@actions/core'
import { errorMessage, Git, InputError, maskToken } from '@aks-gitops/toolkit'
import { expandFiles, readManifests, writeManifests } from './files'
import { readSettings, type Settings } from './inputs'
import { commitMessage, type MessageValues } from './message'
import { changedPlans, planFiles, type FilePlan, type PlanRequest } from './plan'
import { publish } from './publish'
import { previousImages, summaryMarkdown, updatedFiles, type Outcome } from './report'

function planRequest(settings: Settings): PlanRequest {
  const { image, tag, digest, newName, container, paths, allowNoMatch } = settings
  return { image, tag, digest, newName, container, paths, allowNoMatch }
}

function messageValues(settings: Settings, branch: string, plans: readonly FilePlan[]): MessageValues {
  const previous = [...new Set(plans.flatMap((plan) => plan.changes.map((c) => c.previous)))]
  const files = updatedFiles(plans)
  return {
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
}

async function report(plans: readonly FilePlan[], outcome: Outcome): Promise<void> {
  setOutputs(plans, outcome)
  try {
    await core.summary.addRaw(summaryMarkdown(plans, outcome)).write()
  } catch (error) {
    // The change has landed by now: a missing summary file is worth a warning, not a failure.
    core.warning(`Could not write the job summary: ${errorMessage(error)}`)
  }
}

interface GitTarget {
  git: Git
  branch: string
  current?: string
  repoPaths: Map<string, string>
}

/** Git checks that must pass before anything is written: a repository, a branch, the remote. */
async function gitTarget(settings: Settings, paths: readonly string[]): Promise<GitTarget> {
  const auth = settings.token ? { token: settings.token, serverUrl: settings.serverUrl } : undefined
  const top = await new Git(settings.workingDirectory, { auth })
    .topLevel()
    .catch(() => {
      throw new InputError('working-directory', `"${settings.workingDirectory}" is not inside a git work tree`)
    })
  // From here on git runs at the top level, where repository-relative paths mean what they say.
  const git = new Git(top, { auth })
  const current = await git.tryCurrentBranch()
  const branch = settings.branch ?? current
  if (!branch) {
    throw new InputError('branch', 'is required when HEAD is detached (tag builds check out a tag): name the branch to commit to, e.g. main')
  }
  if (settings.push && !(await git.remoteExists(settings.remote))) throw new InputError('remote', `"${settings.remote}" is not a remote of this repository`)
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

async function commitAndPush(
  settings: Settings,
  target: GitTarget,
  plans: FilePlan[],
  globbed: Set<string>,
  onAttempt: (attempt: number) => void,
): Promise<{ plans: FilePlan[]; outcome: Outcome }> {
  const request = planRequest(settings)
  const pushBranch = settings.pullRequest ? pullRequestBranch(settings, target.branch) : target.branch
  core.startGroup(`Commit${settings.push ? ` and push to ${settings.remote}/${pushBranch}` : ` on ${target.branch}`}`)
  let result
  try {
    result = await publish({
      git: target.git,
      remote: settings.remote,
      branch: target.branch,
      pushBranch,
      push: settings.push,
      force: settings.pullRequest,
      maxAttempts: settings.maxAttempts,
      repoPaths: target.repoPaths,
      replan: (files) => planFiles(files.map((file) => ({ ...file, glob: globbed.has(file.path) })), request),
      message: (next) => commitMessage(settings.commitMessage, messageValues(settings, target.branch, next), next),
      author: settings.author,
      onAttempt,
    })
  } finally {
    core.endGroup()
  }
  const outcome: Outcome = { changed: result.changed, dryRun: false, commit: result.commit, branch: pushBranch, pushed: settings.push, attempts: result.attempts }
  if (!result.changed || !result.commit) return { plans: result.plans.length > 0 ? result.plans : plans, outcome }

  if (settings.pullRequest) {
    const message = commitMessage(settings.commitMessage, messageValues(settings, target.branch, result.plans), result.plans)
    const [title = '', ...body] = message.trim().split('\n')
    // Loaded only in pull-request mode: Octokit is most of the bundle, and startup time counts
    // when many pipelines bump at once.
    const { openOrUpdatePullRequest } = await import('./pull-request')
    const pr = await openOrUpdatePullRequest({
      token: settings.token as string,
      apiUrl: process.env.GITHUB_API_URL || 'https://api.github.com',
      repository: settings.repository as string,
      head: pushBranch,
      base: target.branch,
      title,
      body: body.join('\n').trim(),
    })
    core.info(`${pr.created ? 'Opened' : 'Updated'} pull request ${pr.url}`)
    outcome.pullRequestUrl = pr.url
  } else if (target.current === target.branch) {
    // Bring the checked-out branch and work tree up to the new commit for later steps.
    if (!(await target.git.tryMergeFastForward(result.commit))) core.warning(`Could not fast-forward the local ${target.branch} to ${result.commit}`)
  } else if (!settings.push) {
    await target.git.updateRef(`refs/heads/${target.branch}`, result.commit)
  }
  return { plans: result.plans, outcome }
}

export async function run(): Promise<void> {
  let attempts = 0
  try {
    // Mask the token before anything else can print it.
    const rawToken = core.getInput('token')
    if (rawToken) maskToken(rawToken.trim())
    const settings = readSettings()
    core.debug(`settings: ${JSON.stringify({ ...settings, token: settings.token ? '***' : undefined })}`)

    const entries = expandFiles(settings.workingDirectory, settings.files)
    const globbed = new Set(entries.filter((e) => e.glob).map((e) => e.path))
    const manifests = readManifests(settings.workingDirectory, entries)
    const plans = planFiles(manifests, planRequest(settings))
    for (const row of previousImages(plans)) core.info(`${row.file}: ${row.location}: ${row.previous} -> ${row.updated}`)
    const target = settings.commit ? await gitTarget(settings, entries.map((e) => e.path)) : undefined

    if (settings.dryRun || !target) {
      const changed = changedPlans(plans)
      if (!settings.dryRun) {
        writeManifests(changed.map((plan) => ({ absolute: resolve(settings.workingDirectory, plan.path), text: plan.updated })))
      }
      await report(plans, { changed: changed.length > 0, dryRun: settings.dryRun, pushed: false, attempts: 0 })
      return
    }
    const { plans: final, outcome } = await commitAndPush(settings, target, plans, globbed, (n) => (attempts = n))
    await report(final, outcome)
  } catch (error) {
    core.setOutput('attempts', String(attempts))
    core.setFailed(errorMessage(error))
  }
}
