// Commits the planned edit and lands it. Each attempt starts from the branch tip, re-applies the same
// edit to the files as they are there (not a textual rebase), builds a commit that touches only those
// files and lands it (git push, or a ref update through GitHub's API: see CommitStore). A
// non-fast-forward rejection (someone else landed first) or a transient failure (a server error, a
// lost connection) starts a new attempt after a jittered, capped backoff; every other failure stops
// at once. A push whose answer was lost may have landed all the same: the next attempt looks for that
// commit on the branch before building another, so it is neither pushed twice nor reported unchanged.
// A rate limit from GitHub's API (rate-limit.ts) starts a new attempt too, never before the time GitHub
// asked for: the error carries that wait, and withRetry waits at least that long.
import * as core from '@actions/core'
import { backoffDelay, classifyPushFailure, errorMessage, isRetryablePushError, PushRejectedError, withRetry, type FileContent, type Git, type Identity } from '@aks-gitops/toolkit'
import { changedPlans, ManifestError, type FilePlan } from './plan'
import { isRetryableRateLimit, RateLimitedError, waitingText } from './rate-limit'

/** Where an attempt reads the branch and lands its commit: git (fetch, plumbing, push) or GitHub's Git Data API. */
export interface CommitStore {
  /** The commit to build on: the branch tip as it is now. Throws ManifestError when it cannot be read. */
  base(): Promise<string>
  /** A file's content at `base` (repository-relative path), undefined when there is none. */
  read(base: string, path: string): Promise<string | undefined>
  /** A commit on top of `base` that changes exactly `files` (with `modes` when the snapshot read them). */
  commit(base: string, files: readonly FileContent[], message: string, modes?: ReadonlyMap<string, string>): Promise<string>
  /** Moves the target branch to `commit`; a moved branch throws a retryable PushRejectedError. */
  land(commit: string): Promise<void>
  /** Several files at `base` in one read (absent ones missing from the map); without it, read() file by file. */
  readAll?(base: string, paths: readonly string[]): Promise<Map<string, string>>
  /** Whether `commit` is `tip` or behind it on the branch; without it, only `commit === tip` counts. */
  contains?(tip: string, commit: string): Promise<boolean>
  /**
   * base() and readAll() in one step, with the files' modes: fewer processes between reading the
   * tip and landing, the window in which a concurrent run can land first. Without it, base() then readAll().
   */
  snapshot?(paths: readonly string[]): Promise<{ base: string; files: Map<string, string>; modes?: ReadonlyMap<string, string> }>
}

export interface GitStoreOptions {
  git: Git
  remote: string
  /** The branch the change is for (and the base of a pull request). */
  branch: string
  /** Where the commit is pushed: `branch`, or the pull request's branch. */
  pushBranch: string
  /** Push at all (false: commit on the local branch only). */
  push: boolean
  /**
   * Force the push (the pull request branch is ours and rebuilt on the latest base), with a lease on
   * the tip `pushBranch` had when the attempt read the base: a commit another run pushed meanwhile
   * is never dropped unseen (the push is refused, and the next attempt looks for its pull request).
   */
  force: boolean
  author: Identity
}

export function gitStore(options: GitStoreOptions): CommitStore {
  const { git } = options
  // The push branch's tip as the attempt found it (read with the base), for the forced push's lease.
  let leased: string | undefined
  // The ref that names the tip: the remote-tracking ref a fetch just updated, or the local branch.
  const tip = async (): Promise<string> => {
    if (options.push) {
      try {
        const [tracking, pushTip] = await Promise.all([
          git.fetchTracking(options.remote, options.branch),
          options.force ? git.remoteBranchTip(options.remote, options.pushBranch) : undefined,
        ])
        leased = pushTip
        return tracking
      } catch (error) {
        const message = `cannot fetch branch "${options.branch}" from ${options.remote}: ${errorMessage(error)}`
        // A server error or an unreachable host is worth another attempt, like the same failure on push.
        if (classifyPushFailure(errorMessage(error)) === 'transient') throw new PushRejectedError('transient', errorMessage(error), `${options.remote}/${options.branch}`, message)
        throw new ManifestError(message)
      }
    }
    const local = `refs/heads/${options.branch}`
    if (!(await git.tryRevParse(local))) throw new ManifestError(`there is no local branch "${options.branch}" to commit on`)
    return local
  }
  return {
    base: async () => git.revParse(await tip()),
    async snapshot(paths) {
      const { commit, files, modes } = await git.readSnapshot(await tip(), paths)
      return { base: commit, files, modes }
    },
    read: (base, path) => git.tryShow(base, path),
    readAll: (base, paths) => git.readFiles(base, paths),
    contains: (tip, commit) => git.isAncestor(commit, tip),
    commit: (base, files, message, modes) => git.createCommit(base, files, message, options.author, modes),
    async land(commit) {
      if (options.push) await git.push(options.remote, commit, options.pushBranch, options.force ? { lease: { expected: leased } } : {})
    },
  }
}

export interface PublishRequest {
  store: CommitStore
  /** The branch the change is for, for messages. */
  branch: string
  maxAttempts: number
  /** Repository-relative path of each planned file, by its display path. */
  repoPaths: Map<string, string>
  /**
   * Re-applies the edit to files read from the base commit (async: it may check the order against
   * those files). Throws ManifestError on failure; any other error it throws stops publishing as is.
   */
  replan: (files: { path: string; text: string }[]) => FilePlan[] | Promise<FilePlan[]>
  message: (plans: FilePlan[]) => string
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

/** A commit whose push (or ref update) failed without a clear answer: it may be on the branch. */
interface Unanswered {
  commit: string
  plans: FilePlan[]
  attempt: number
}

/** The unanswered commit that landed after all, if any: it or a later commit on the branch. */
async function landedEarlier(store: CommitStore, base: string, unanswered: readonly Unanswered[]): Promise<Unanswered | undefined> {
  for (const sent of unanswered) {
    if (sent.commit === base || (await store.contains?.(base, sent.commit))) return sent
  }
  return undefined
}

/** The files by display path, in the order of repoPaths; throws when one is absent at `base`. */
async function readFiles(request: PublishRequest, base: string, read?: Map<string, string>): Promise<{ path: string; text: string }[]> {
  const { store } = request
  const repoPaths = [...request.repoPaths.values()]
  const all = read ?? (store.readAll ? await store.readAll(base, repoPaths) : undefined)
  const files: { path: string; text: string }[] = []
  for (const [path, repoPath] of request.repoPaths) {
    const text = all ? all.get(repoPath) : await store.read(base, repoPath)
    if (text === undefined) throw new ManifestError(`${path} does not exist on branch "${request.branch}" (${base.slice(0, 12)})`)
    files.push({ path, text })
  }
  return files
}

async function attempt(request: PublishRequest, attemptNumber: number, unanswered: Unanswered[]): Promise<PublishResult> {
  const { store } = request
  const snapshot = store.snapshot ? await store.snapshot([...request.repoPaths.values()]) : undefined
  const base = snapshot?.base ?? (await store.base())
  const landed = await landedEarlier(store, base, unanswered)
  if (landed) {
    core.info(`The push of ${landed.commit} in attempt ${landed.attempt} got no answer, but the commit is on "${request.branch}": it landed, nothing is pushed again`)
    return { changed: true, commit: landed.commit, base, attempts: attemptNumber, plans: landed.plans }
  }
  const files = await readFiles(request, base, snapshot?.files)
  const plans = await request.replan(files)
  const changed = changedPlans(plans)
  if (changed.length === 0) return { changed: false, base, attempts: attemptNumber, plans }
  const commit = await store.commit(
    base,
    changed.map((plan) => ({ path: request.repoPaths.get(plan.path) as string, content: plan.updated })),
    request.message(plans),
    snapshot?.modes,
  )
  try {
    await store.land(commit)
  } catch (error) {
    if (error instanceof PushRejectedError && error.kind === 'transient') unanswered.push({ commit, plans, attempt: attemptNumber })
    throw error
  }
  return { changed: true, commit, base, attempts: attemptNumber, plans }
}

/** The backoff unit: the last attempt's duration, within bounds (see publish). */
export function backoffUnit(lastAttemptMs: number): number {
  return Math.min(2000, Math.max(50, lastAttemptMs))
}

export async function publish(request: PublishRequest): Promise<PublishResult> {
  // Backoff in units of the attempt's own duration: two runs collide when one lands between the
  // other's fetch and push, so the wait that spreads N contenders apart is about N attempt
  // durations, short on an idle runner and long on a busy one. Full jitter over 6, 12, 24 units (a
  // simulation of the race gave a few percent fewer attempts than 4, 8, 16 at no cost in wall time;
  // on this machine the difference was within the noise); the 50 ms floor is one local attempt on
  // an idle machine, so waits shrink as the contenders thin out.
  let lastAttemptMs = 0
  const unanswered: Unanswered[] = []
  return withRetry(
    async (n) => {
      const started = Date.now()
      request.onAttempt?.(n)
      try {
        return await attempt(request, n, unanswered)
      } finally {
        lastAttemptMs = Date.now() - started
      }
    },
    {
      maxAttempts: request.maxAttempts,
      delayMs: (n) => backoffDelay(n, 6, 24, Math.random, backoffUnit(lastAttemptMs)),
      isRetryable: (error) => isRetryablePushError(error) || isRetryableRateLimit(error),
      onRetry: (error, n, delay) =>
        core.info(
          error instanceof RateLimitedError
            ? `Attempt ${n}: ${error.message}; ${waitingText(delay)}, then reading the branch again`
            : error instanceof PushRejectedError && error.kind === 'transient'
            ? `Attempt ${n} failed with a transient error; reading the branch again (and checking whether the commit landed) in ${delay} ms:\n${error.message}`
            : `The remote branch moved during attempt ${n}; reading it again and applying the edit again in ${delay} ms`,
        ),
      sleep: request.sleep,
    },
  )
}
