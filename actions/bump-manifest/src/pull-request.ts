// Opens or updates the pull request of pull-request mode through the GitHub REST API
// (GITHUB_API_URL, so GitHub Enterprise Server and local fakes work alike).
import { getOctokit } from '@actions/github'

export interface PullRequestRequest {
  token: string
  apiUrl: string
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
  created: boolean
}

export async function openOrUpdatePullRequest(request: PullRequestRequest): Promise<PullRequestResult> {
  const octokit = getOctokit(request.token, { baseUrl: request.apiUrl })
  const [owner = '', repo = ''] = request.repository.split('/')
  // GET /repos/{owner}/{repo}/pulls?head=owner:branch finds the one a previous run opened.
  const { data: open } = await octokit.rest.pulls.list({ owner, repo, head: `${owner}:${request.head}`, base: request.base, state: 'open' })
  const existing = open[0]
  if (existing) {
    const { data } = await octokit.rest.pulls.update({ owner, repo, pull_number: existing.number, title: request.title, body: request.body })
    return { url: data.html_url, number: data.number, created: false }
  }
  const { data } = await octokit.rest.pulls.create({ owner, repo, head: request.head, base: request.base, title: request.title, body: request.body })
  return { url: data.html_url, number: data.number, created: true }
}
