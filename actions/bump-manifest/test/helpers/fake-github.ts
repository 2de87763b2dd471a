// A local stand-in for the GitHub endpoints bump-manifest calls, answering in the documented shapes:
// the three pull request endpoints of pull-request mode (https://docs.github.com/rest/pulls/pulls:
// list filtered by head and base, create, update), the Git Data API of commit-method api over a real
// bare repository (fake-git-data.ts) with the GraphQL mutation updateRefs and the repository's node_id
// it takes (GET /repos/{owner}/{repo}, https://docs.github.com/en/rest/repos/repos#get-a-repository),
// and the GraphQL mutation enablePullRequestAutoMerge
// (https://docs.github.com/en/graphql/reference/mutations#enablepullrequestautomerge). It checks the token.
// Creating a pull request refuses as GitHub does: 403 "GitHub Actions is not permitted to create or
// approve pull requests." while that repository setting is off, 422 "A pull request already exists for
// OWNER:BRANCH." for a second open one from the same head.
import { execFileSync } from 'node:child_process'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleGitData, updateRefsMutation, type Answer, type GitDataState, type Rule } from './fake-git-data'

export interface FakePull {
  number: number
  title: string
  body: string
  head: string
  base: string
  state: 'open' | 'closed'
  /** The merge method auto-merge was enabled with (MERGE, SQUASH, REBASE). */
  autoMerge?: string
}

export interface FakeGitHubOptions {
  /** Serve the Git Data API over this bare repository (and check expectedHeadOid against it). */
  bare?: string
  /** Rulesets by branch, enforced on ref updates through the API. */
  rules?: Record<string, Rule[]>
  /** The repository setting "Allow auto-merge" (default true). */
  allowAutoMerge?: boolean
  /** The pull requests' merge state: BLOCKED (waiting for required reviews or checks, the default) or CLEAN. */
  mergeStateStatus?: 'BLOCKED' | 'CLEAN'
  /**
   * The setting "Allow GitHub Actions to create and approve pull requests" (default true). Off, creating a
   * pull request answers 403 as GitHub answers GITHUB_TOKEN then.
   */
  actionsCanCreatePullRequests?: boolean
  /** Called once, as the first "create a pull request" request arrives (another run racing this one). */
  beforeCreate?: (pulls: FakePull[]) => void
  /** The answer to the n-th request of `method` to the pull request endpoints instead (1-based), e.g. a rate limit. */
  answerPulls?: (method: string, n: number) => Answer | undefined
}

export interface FakeGitHub {
  url: string
  pulls: FakePull[]
  /** Each request as it arrived (`at`: Date.now() then, to check the waits between them). */
  requests: { method: string; path: string; authorization: string | undefined; body: Record<string, unknown>; at: number }[]
  /** The Git Data API's state: set beforeRefUpdate to land another commit in the middle of an attempt. */
  gitData?: GitDataState
  close(): Promise<void>
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

/** A GraphQL error as GitHub sends it: HTTP 200, data null for the field, and an errors array. */
const graphqlError = (message: string) => ({
  data: { enablePullRequestAutoMerge: null },
  errors: [{ type: 'UNPROCESSABLE', path: ['enablePullRequestAutoMerge'], locations: [{ line: 3, column: 3 }], message }],
})

export async function startFakeGitHub(owner: string, repo: string, token: string, options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const pulls: FakePull[] = []
  const requests: FakeGitHub['requests'] = []
  const gitData: GitDataState | undefined = options.bare
    ? { bare: options.bare, rules: new Map(Object.entries(options.rules ?? {})), signed: new Set() }
    : undefined
  let url = ''
  let raced = false
  const pullRequests = new Map<string, number>()
  // The list and create responses carry head.sha; the fake reads it from the bare repository when it has one.
  const headSha = (branch: string): string => {
    if (!options.bare) return ''
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], { cwd: options.bare, encoding: 'utf8' }).trim()
    } catch {
      return '' // no such branch (yet)
    }
  }
  const shape = (pull: FakePull) => ({
    id: 1000 + pull.number,
    node_id: `PR_kwDO${pull.number}`,
    number: pull.number,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    html_url: `https://github.example/${owner}/${repo}/pull/${pull.number}`,
    url: `${url}/repos/${owner}/${repo}/pulls/${pull.number}`,
    head: { ref: pull.head, sha: headSha(pull.head), label: `${owner}:${pull.head}`, repo: { full_name: `${owner}/${repo}` } },
    base: { ref: pull.base, label: `${owner}:${pull.base}`, repo: { full_name: `${owner}/${repo}` } },
  })
  const server: Server = createServer((req, res) => {
    void (async () => {
      const at = Date.now()
      const parsed = new URL(req.url ?? '/', 'http://localhost')
      const data = req.method === 'GET' ? {} : await readBody(req)
      // Octokit percent-encodes the slashes of a {ref} parameter (heads%2Fmain), as GitHub accepts.
      const pathname = decodeURIComponent(parsed.pathname)
      requests.push({ method: req.method ?? '', path: pathname + parsed.search, authorization: req.headers.authorization, body: data, at })
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
        res.end(JSON.stringify(data))
      }
      if (req.headers.authorization !== `token ${token}`) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
      const repoPrefix = `/repos/${owner}/${repo}`
      const repositoryNodeId = `R_kgDO${repo}`
      if (req.method === 'POST' && parsed.pathname === '/graphql') {
        const query = String(data.query ?? '')
        if (gitData && /mutation[\s\S]*updateRefs\(/.test(query)) return send(200, updateRefsMutation(gitData, repositoryNodeId, (data.variables ?? {}) as Record<string, unknown>))
        return send(200, autoMerge(query, (data.variables ?? {}) as Record<string, string>))
      }
      if (req.method === 'GET' && pathname === repoPrefix) {
        return send(200, { id: 1296269, node_id: repositoryNodeId, name: repo, full_name: `${owner}/${repo}`, private: true, default_branch: 'main', url: `${url}${repoPrefix}` })
      }
      if (gitData && pathname.startsWith(`${repoPrefix}/git/`)) {
        if (handleGitData(gitData, `${url}${repoPrefix}`, req.method ?? '', pathname.slice(repoPrefix.length), data, send)) return
      }
      const prefix = `${repoPrefix}/pulls`
      if (parsed.pathname.startsWith(prefix)) {
        const n = (pullRequests.get(req.method ?? '') ?? 0) + 1
        pullRequests.set(req.method ?? '', n)
        const answer = options.answerPulls?.(req.method ?? '', n)
        if (answer) return send(answer.status, answer.data, answer.headers)
      }
      if (req.method === 'GET' && parsed.pathname === prefix) {
        const head = parsed.searchParams.get('head')
        const base = parsed.searchParams.get('base')
        const state = parsed.searchParams.get('state') ?? 'open'
        return send(
          200,
          pulls.filter((p) => (!head || `${owner}:${p.head}` === head) && (!base || p.base === base) && (state === 'all' || p.state === state)).map(shape),
        )
      }
      if (req.method === 'POST' && parsed.pathname === prefix) {
        if (!raced) {
          raced = true
          options.beforeCreate?.(pulls)
        }
        // https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request answers 403 and 422 with these bodies.
        const documentation_url = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request'
        if (options.actionsCanCreatePullRequests === false) {
          return send(403, { message: 'GitHub Actions is not permitted to create or approve pull requests.', documentation_url, status: '403' })
        }
        if (pulls.some((p) => p.head === data.head && p.base === data.base && p.state === 'open')) {
          const message = `A pull request already exists for ${owner}:${String(data.head)}.`
          return send(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message }], documentation_url, status: '422' })
        }
        const text = (key: string) => String(data[key] ?? '')
        const pull: FakePull = { number: pulls.length + 1, title: text('title'), body: text('body'), head: text('head'), base: text('base'), state: 'open' }
        pulls.push(pull)
        return send(201, shape(pull))
      }
      const number = new RegExp(`^${prefix}/([0-9]+)$`).exec(parsed.pathname)?.[1]
      const pull = pulls.find((p) => String(p.number) === number)
      if (req.method === 'PATCH' && pull) {
        if (data.title !== undefined) pull.title = String(data.title)
        if (data.body !== undefined) pull.body = String(data.body)
        return send(200, shape(pull))
      }
      send(404, { message: 'Not Found' })
    })()
  })
  /** enablePullRequestAutoMerge(input: {pullRequestId, mergeMethod, expectedHeadOid}), refused as GitHub refuses it. */
  function autoMerge(query: string, variables: Record<string, string>) {
    if (!/mutation[\s\S]*enablePullRequestAutoMerge\(/.test(query)) return { errors: [{ message: 'this fake answers enablePullRequestAutoMerge and updateRefs only' }] }
    const pull = pulls.find((p) => shape(p).node_id === variables.pullRequestId)
    if (!pull) return { data: { enablePullRequestAutoMerge: null }, errors: [{ type: 'NOT_FOUND', path: ['enablePullRequestAutoMerge'], message: `Could not resolve to a node with the global id of '${variables.pullRequestId}'` }] }
    if (!['MERGE', 'SQUASH', 'REBASE'].includes(variables.mergeMethod ?? '')) return { errors: [{ message: `Variable $mergeMethod of type PullRequestMergeMethod! was provided invalid value` }] }
    if (options.allowAutoMerge === false) return graphqlError('Pull request Auto merge is not allowed for this repository')
    if (options.mergeStateStatus === 'CLEAN') return graphqlError('Pull request Pull request is in clean status')
    if (gitData && variables.expectedHeadOid) {
      const head = execFileSync('git', ['rev-parse', `refs/heads/${pull.head}`], { cwd: gitData.bare, encoding: 'utf8' }).trim()
      if (head !== variables.expectedHeadOid) return graphqlError('Pull request head sha does not match expected head oid')
    }
    pull.autoMerge = variables.mergeMethod
    return { data: { enablePullRequestAutoMerge: { pullRequest: { autoMergeRequest: { mergeMethod: pull.autoMerge, enabledAt: new Date().toISOString() } } } } }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, pulls, requests, gitData, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
