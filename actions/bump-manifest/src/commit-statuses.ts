// Reads a commit's statuses through GitHub's REST API: "List commit statuses for a reference",
// GET /repos/{owner}/{repo}/commits/{ref}/statuses, newest first
// (https://docs.github.com/en/rest/commits/statuses#list-commit-statuses-for-a-reference; a
// fine-grained token or App needs "Commit statuses" read, GITHUB_TOKEN `statuses: read`). The ref
// is always the full SHA of the manifest commit, never a branch, so a later commit on the branch
// cannot answer for it.
import { isTransientHttpStatus } from '@aks-gitops/toolkit'
import { restFailure } from './github-errors'
import type { Octokit } from './pull-request'
import type { CommitStatus } from './status-wait'

/** A failed read: transient ones (429, 5xx, a secondary rate limit, no answer) are polled through. */
export class StatusReadError extends Error {
  override name = 'StatusReadError'
  constructor(
    message: string,
    readonly transient: boolean,
  ) {
    super(message)
  }
}

const HELP: Record<number, string> = {
  401: 'the token was refused',
  403: 'the token may not read commit statuses (GITHUB_TOKEN needs permissions: statuses: read; an App or fine-grained token "Commit statuses: read")',
  404: 'no such repository or commit visible to the token (it needs statuses: read on the repository)',
}

// One page of 100 holds the newest statuses of every context that matters here: Argo CD sets a
// handful per revision, and the newest status of a context decides.
const PER_PAGE = 100
const REQUEST_TIMEOUT_MS = 30_000

export function statusReader(octokit: Octokit, repository: string): (revision: string) => Promise<CommitStatus[]> {
  const [owner = '', repo = ''] = repository.split('/')
  return async (revision) => {
    try {
      const { data } = await octokit.rest.repos.listCommitStatusesForRef({ owner, repo, ref: revision, per_page: PER_PAGE, request: { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) } })
      return data.map((s) => ({ state: s.state, context: s.context, description: s.description, target_url: s.target_url, updated_at: s.updated_at }))
    } catch (error) {
      const { status, message } = restFailure(error)
      // No HTTP answer reaches Octokit as status 500 with the cause's message; a secondary rate limit is a 403 saying so.
      const transient = status === 0 || isTransientHttpStatus(status) || (status === 403 && /rate limit/i.test(message))
      const help = transient ? 'will poll again' : (HELP[status] ?? 'GitHub refused the request')
      throw new StatusReadError(`GET /repos/${repository}/commits/${revision}/statuses: ${status || 'no answer'} ${message} (${help})`, transient)
    }
  }
}
