// Opens or updates the pull request of pull-request mode through the GitHub REST API
// (GITHUB_API_URL, so GitHub Enterprise Server and local fakes work alike), and arms auto-merge on
// it through the GraphQL API, the only API that has it.
import { getOctokit } from '@actions/github'
import { AUTO_MERGE_HELP, autoMergeRefusal, graphqlMessages, type AutoMergeRefusal } from './github-errors'
import type { MergeMethod } from './inputs'

export type Octokit = ReturnType<typeof getOctokit>

/** One client for REST and GraphQL; @octokit/graphql derives the GraphQL URL from baseUrl (…/api/v3 → …/api/graphql on GHES). */
export function github(token: string, apiUrl: string): Octokit {
  return getOctokit(token, { baseUrl: apiUrl })
}

export interface PullRequestRequest {
  /** owner/name */
  repository: string
  head: string
  base: string
  title: string
  body: string
}

export interface PullRequestResult {
  url: string
  number: number
  /** The GraphQL node id, which the auto-merge mutation takes. */
  nodeId: string
  created: boolean
}

export async function openOrUpdatePullRequest(octokit: Octokit, request: PullRequestRequest): Promise<PullRequestResult> {
  const [owner = '', repo = ''] = request.repository.split('/')
  // GET /repos/{owner}/{repo}/pulls?head=owner:branch finds the one a previous run opened.
  const { data: open } = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${request.head}`, base: request.base, state: 'open' })
  const existing = open[0]
  if (existing) {
    const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title: request.title, body: request.body })
    return { url: data.html_url, number: data.number, nodeId: data.node_id, created: false }
  }
  const { data } = await octokit.rest.pulls.create({ owner, repo, head: request.head, base: request.base, title: request.title, body: request.body })
  return { url: data.html_url, number: data.number, nodeId: data.node_id, created: true }
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
    const messages = graphqlMessages(error)
    for (const message of messages) {
      const refusal = autoMergeRefusal(message)
      if (refusal) return { state: refusal, reason: `${AUTO_MERGE_HELP[refusal]} (GitHub: "${message}")` }
    }
    throw new Error(`auto-merge (${method}) could not be enabled: ${messages.join('; ')}`)
  }
}
