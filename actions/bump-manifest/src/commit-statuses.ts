// Reads a commit's statuses through GitHub's REST API: "List commit statuses for a reference",
// GET /repos/{owner}/{repo}/commits/{ref}/statuses, newest first
// (https://docs.github.com/en/rest/commits/statuses#list-commit-statuses-for-a-reference; a
// fine-grained token or App needs "Commit statuses" read, GITHUB_TOKEN `statuses: read`). The ref
// is always a full SHA, never a branch: a later commit of the branch answers for the manifest
// commit only through newerRevisionReader, when it includes that commit.
import { isTransientGitHubFailure, restFailure } from './github-errors'
import { describeRateLimit, rateLimitedError } from './rate-limit'
import type { Octokit } from './pull-request'
import type { CommitStatus, NewerRevision } from './status-wait'

/**
 * A failed read: transient ones (408, 429, 5xx, no answer) are polled through; so is a rate limit,
 * no sooner than GitHub asked (minDelayMs), unless it asked for longer than the action waits.
 */
export class StatusReadError extends Error {
  override name = 'StatusReadError'
  constructor(
    message: string,
    readonly transient: boolean,
    readonly minDelayMs = 0,
  ) {
    super(message)
  }
}

const HELP: Record<number, string> = {
  401: 'the token was refused',
  403: 'the token may not read commit statuses or the branch (GITHUB_TOKEN needs permissions: statuses: read and contents: read; an App or fine-grained token "Commit statuses: read" and "Contents: read")',
  404: 'no such repository, branch or commit visible to the token (it needs statuses: read and contents: read on the repository)',
}

// One page of 100 holds the newest statuses of every context that matters here: Argo CD sets a
// handful per revision, and the newest status of a context decides.
const PER_PAGE = 100
const REQUEST_TIMEOUT_MS = 30_000

/** Runs one request; a failure becomes a StatusReadError that says whether polling may outlast it. */
async function request<T>(what: string, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  try {
    return await call(AbortSignal.timeout(REQUEST_TIMEOUT_MS))
  } catch (error) {
    // A rate limit (403 or 429, by rate-limit.ts's one rule) says how long to wait before the next poll.
    const limited = rateLimitedError(error, Date.now())
    if (limited) throw new StatusReadError(`${what}: ${describeRateLimit(limited.limit)}`, limited.retryable, limited.minDelayMs)
    const { status, message } = restFailure(error)
    // No HTTP answer reaches Octokit as status 500 with the cause's message.
    // Broader than isTransientGitHubFailure on purpose: polling outlasts anything without an answer (status 0, our own timeout included).
    const transient = status === 0 || isTransientGitHubFailure(status, error)
    const help = transient ? 'will poll again' : (HELP[status] ?? 'GitHub refused the request')
    throw new StatusReadError(`${what}: ${status || 'no answer'} ${message} (${help})`, transient)
  }
}

export function statusReader(octokit: Octokit, repository: string): (revision: string) => Promise<CommitStatus[]> {
  const [owner = '', repo = ''] = repository.split('/')
  return async (revision) => {
    const { data } = await request(`GET /repos/${repository}/commits/${revision}/statuses`, (signal) =>
      octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: revision, per_page: PER_PAGE, request: { signal } }),
    )
    return data.map((s) => ({ state: s.state, context: s.context, description: s.description, target_url: s.target_url, updated_at: s.updated_at }))
  }
}

/**
 * The branch's head when it is a newer revision that includes `commit`, with its statuses: the head
 * from "Get a reference" (https://docs.github.com/en/rest/git/refs#get-a-reference), the ancestry
 * from "Compare two commits" (https://docs.github.com/en/rest/commits/commits#compare-two-commits:
 * status "ahead" when the head descends from the base), asked once per head. A head that does not
 * include the commit (history rewritten) is no answer for it.
 */
export function newerRevisionReader(octokit: Octokit, repository: string, branch: string, commit: string, read: (revision: string) => Promise<CommitStatus[]>): () => Promise<NewerRevision | undefined> {
  const [owner = '', repo = ''] = repository.split('/')
  const includes = new Map<string, boolean>()
  return async () => {
    const { data: ref } = await request(`GET /repos/${repository}/git/ref/heads/${branch}`, (signal) => octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}`, request: { signal } }))
    const head = ref.object.sha
    if (head === commit) return undefined
    if (!includes.has(head)) {
      const { data } = await request(`GET /repos/${repository}/compare/${commit}...${head}`, (signal) =>
        octokit.rest.repos.compareCommitsWithBasehead({ owner, repo, basehead: `${commit}...${head}`, per_page: 1, request: { signal } }),
      )
      includes.set(head, data.status === 'ahead')
    }
    return includes.get(head) ? { revision: head, statuses: await read(head) } : undefined
  }
}
