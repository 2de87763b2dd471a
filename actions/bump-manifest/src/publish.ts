// Commits the planned edit and pushes it. Each attempt starts from the remote branch tip, re-applies
// the same edit to the files as they are there (not a textual rebase), builds a commit that touches
// only those files and pushes it. A non-fast-forward rejection (someone else landed first) starts a
// new attempt after a jittered, capped backoff; every other failure stops at once.
import * as core from '@actions/core'
import { isRetryablePushError, withRetry, type Git, type Identity } from '@aks-gitops/toolkit'
import { changedPlans, ManifestError, type FilePlan } from './plan'

export interface PublishRequest {
  git: Git
  remote: string
  /** The branch the change is for (and the base of a pull request). */
  branch: string
  /** Where the commit is pushed: `branch`, or the pull request's branch. */
  pushBranch: string
  /** Push at all (false: commit on the local branch only). */
  push: boolean
  /** Force the push (the pull request branch is ours and rebuilt on the latest base). */
  force: boolean
  maxAttempts: number
  /** Repository-relative path of each planned file, by its display path. */
  repoPaths: Map<string, string>
  /** Re-applies the edit to files read from the base commit. Throws ManifestError on failure. */
  replan: (files: { path: string; text: string }[]) => FilePlan[]
  message: (plans: FilePlan[]) => string
  author: Identity
  /** Called as each attempt starts (so a failure can still report how many were made). */
  onAttempt?: (attempt: number) => void
  /** Injected for tests. */
  sleep?: (ms: number) => Promise<void>
}

export interface PublishResult {
  changed: boolean
  commit?: string
  base: string
  attempts: number
  plans: FilePlan[]
}

async function baseCommit(request: PublishRequest): Promise<string> {
  const { git } = request
  if (request.push) {
    try {
      return await git.fetchBranch(request.remote, request.branch)
    } catch (error) {
      throw new ManifestError(`cannot fetch branch "${request.branch}" from ${request.remote}: ${(error as Error).message}`)
    }
  }
  const local = await git.tryRevParse(`refs/heads/${request.branch}`)
  if (!local) throw new ManifestError(`there is no local branch "${request.branch}" to commit on`)
  return local
}

async function attempt(request: PublishRequest, attemptNumber: number): Promise<PublishResult> {
  const base = await baseCommit(request)
  const files: { path: string; text: string }[] = []
  for (const [path, repoPath] of request.repoPaths) {
    const text = await request.git.tryShow(base, repoPath)
    if (text === undefined) throw new ManifestError(`${path} does not exist on branch "${request.branch}" (${base.slice(0, 12)})`)
    files.push({ path, text })
  }
  const plans = request.replan(files)
  const changed = changedPlans(plans)
  if (changed.length === 0) return { changed: false, base, attempts: attemptNumber, plans }
  const commit = await request.git.createCommit(
    base,
    changed.map((plan) => ({ path: request.repoPaths.get(plan.path) as string, content: plan.updated })),
    request.message(plans),
    request.author,
  )
  if (request.push) await request.git.push(request.remote, commit, request.pushBranch, { force: request.force })
  return { changed: true, commit, base, attempts: attemptNumber, plans }
}

/** The backoff unit: the last attempt's duration, within bounds (see publish). */
export function backoffUnit(lastAttemptMs: number): number {
  return Math.min(2000, Math.max(150, lastAttemptMs))
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

export async function publish(request: PublishRequest): Promise<PublishResult> {
  // Backoff in units of the attempt's own duration: two runs collide when one lands between the
  // other's fetch and push, so the wait that spreads N contenders apart is about N attempt
  // durations, short on an idle runner and long on a busy one. Full jitter over 4, 8, 16 units.
  let lastAttemptMs = 0
  const sleep = request.sleep ?? defaultSleep
  return withRetry(
    async (n) => {
      const started = Date.now()
      request.onAttempt?.(n)
      try {
        return await attempt(request, n)
      } finally {
        lastAttemptMs = Date.now() - started
      }
    },
    {
      maxAttempts: request.maxAttempts,
      baseDelayMs: 4000,
      maxDelayMs: 16000,
      isRetryable: isRetryablePushError,
      onRetry: (_error, n, delay) =>
        core.info(`The remote branch moved during attempt ${n}; fetching it and applying the edit again in ${Math.round((delay / 1000) * backoffUnit(lastAttemptMs))} ms`),
      sleep: (delay) => sleep((delay / 1000) * backoffUnit(lastAttemptMs)),
    },
  )
}
