// Opens or updates the pull request of pull-request mode through the GitHub REST API
// (GITHUB_API_URL, so GitHub Enterprise Server and local fakes work alike), and arms auto-merge on
// it through the GraphQL API, the only API that has it.
import { getOctokit } from '@actions/github'
import {
  AUTO_MERGE_HELP,
  autoMergeRefusal,
  graphqlMessages,
  PULL_REQUEST_CREATE_HELP,
  pullRequestCreateRefusal,
  restErrorMessages,
  restFailure,
  type AutoMergeRefusal,
} from './github-errors'
import type { MergeMethod } from './inputs'
import { rateLimitedError, rethrowRateLimit } from './rate-limit'

export type Octokit = ReturnType<typeof getOctokit>

/**
 * One client for REST and GraphQL; @octokit/graphql derives the GraphQL URL from baseUrl (…/api/v3 →
 * …/api/graphql on GHES). Every answer that is a rate limit leaves it as a RateLimitedError (rate-limit.ts),
 * whichever call made it, so each caller's loop waits what GitHub asked for.
 */
export function github(token: string, apiUrl: string): Octokit {
  const octokit = getOctokit(token, { baseUrl: apiUrl })
  octokit.hook.error('request', (error) => {
    throw rateLimitedError(error, Date.now()) ?? error
  })
  return octokit
}

export interface PullRequestRequest {
  /** owner/name */
  repository: string
  head: string
  base: string
  title: string
  body: string
  /** The commit this run put on `head`. */
  commit: string
}

/** An open pull request as the list endpoint describes it. */
export interface OpenPullRequest {
  url: string
  number: number
  /** The GraphQL node id, which the auto-merge mutation takes. */
  nodeId: string
  /** The head commit when it was read. */
  headSha: string
}

export interface PullRequestResult {
  url: string
  number: number
  nodeId: string
  created: boolean
  /** Another run's commit became the head meanwhile, so its title and body were left as they are. */
  supersededBy?: string
}

/** The open pull request from `head` to `base`: GET /repos/{owner}/{repo}/pulls?head=OWNER:BRANCH&base=BASE&state=open. */
export async function findOpenPullRequest(octokit: Octokit, repository: string, head: string, base: string): Promise<OpenPullRequest | undefined> {
  const [owner = '', repo = ''] = repository.split('/')
  const { data } = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${head}`, base, state: 'open' })
  const pull = data[0]
  return pull && { url: pull.html_url, number: pull.number, nodeId: pull.node_id, headSha: pull.head.sha }
}

async function updatePullRequest(octokit: Octokit, request: PullRequestRequest, number: number): Promise<PullRequestResult> {
  const [owner = '', repo = ''] = request.repository.split('/')
  const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: number, title: request.title, body: request.body })
  return { url: data.html_url, number: data.number, nodeId: data.node_id, created: false }
}

/**
 * Updates `open` (the pull request this run's commit was stacked on) or opens one. Two runs of one
 * image and environment that both found none race to open it: the loser gets 422 "A pull request
 * already exists", finds the winner's and updates it, unless the head is no longer its own commit
 * (the later run's title then stays). A 403 says what to enable or which token to use.
 */
export async function openOrUpdatePullRequest(octokit: Octokit, request: PullRequestRequest, open?: OpenPullRequest): Promise<PullRequestResult> {
  if (open) return updatePullRequest(octokit, request, open.number)
  const [owner = '', repo = ''] = request.repository.split('/')
  try {
    const { data } = await octokit.rest.pulls.create({ owner, repo, head: request.head, base: request.base, title: request.title, body: request.body })
    return { url: data.html_url, number: data.number, nodeId: data.node_id, created: true }
  } catch (error) {
    rethrowRateLimit(error)
    const { status, message } = restFailure(error)
    const refusal = pullRequestCreateRefusal(status, message, restErrorMessages(error))
    if (refusal === 'already-exists') {
      const raced = await findOpenPullRequest(octokit, request.repository, request.head, request.base)
      if (raced && raced.headSha !== request.commit) return { url: raced.url, number: raced.number, nodeId: raced.nodeId, created: false, supersededBy: raced.headSha }
      if (raced) return updatePullRequest(octokit, request, raced.number)
    }
    if (refusal && refusal !== 'already-exists') {
      throw new Error(`pull request from ${request.head} to ${request.base} not opened (HTTP ${status} "${message}"): ${PULL_REQUEST_CREATE_HELP[refusal]}. The commit ${request.commit} is on branch ${request.head}.`)
    }
    throw error
  }
}

export type AutoMergeState = 'enabled' | AutoMergeRefusal

export interface AutoMergeResult {
  state: AutoMergeState
  /** Why it is not enabled, for the warning and the summary. */
  reason?: string
}

// https://docs.github.com/en/graphql/reference/mutations#enablepullrequestautomerge
// expectedHeadOid: arm it only while the pull request's head is the commit this run made, so a
// commit pushed onto the branch by someone else is never merged unseen.
const ENABLE_AUTO_MERGE = `
mutation($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!, $expectedHeadOid: GitObjectID) {
  enablePullRequestAutoMerge(input: { pullRequestId: $pullRequestId, mergeMethod: $mergeMethod, expectedHeadOid: $expectedHeadOid }) {
    pullRequest { autoMergeRequest { mergeMethod enabledAt } }
  }
}`

/**
 * Enables auto-merge on the pull request. A repository that does not allow it, or a pull request
 * with nothing left to wait for, is reported (the pull request stays open); anything else throws.
 */
export async function enableAutoMerge(octokit: Octokit, pullRequestId: string, method: MergeMethod, expectedHeadOid: string): Promise<AutoMergeResult> {
  try {
    await octokit.graphql(ENABLE_AUTO_MERGE, { pullRequestId, mergeMethod: method.toUpperCase(), expectedHeadOid })
    return { state: 'enabled' }
  } catch (error) {
    // GraphQL's rate limits answer 200 with an error, past the client's hook.
    rethrowRateLimit(error)
    const messages = graphqlMessages(error)
    for (const message of messages) {
      const refusal = autoMergeRefusal(message)
      if (refusal) return { state: refusal, reason: `${AUTO_MERGE_HELP[refusal]} (GitHub: "${message}")` }
    }
    throw new Error(`auto-merge (${method}) could not be enabled: ${messages.join('; ')}`)
  }
}
