// A local stand-in for GitHub's commit status endpoints over a REAL bare repository, answering in
// the documented shapes (https://docs.github.com/en/rest/commits/statuses):
//   POST /repos/{owner}/{repo}/statuses/{sha}           create (what Argo CD's notifications engine calls:
//                                                       state, target_url, description, context; 201)
//   GET  /repos/{owner}/{repo}/commits/{ref}/statuses   list, newest first, per_page/page
//   GET  /repos/{owner}/{repo}/commits/{ref}/status     combined: the newest status per context
// and the two reads the wait makes when the branch moved on past the commit:
//   GET  /repos/{owner}/{repo}/git/ref/heads/{branch}   (https://docs.github.com/en/rest/git/refs#get-a-reference)
//   GET  /repos/{owner}/{repo}/compare/{base}...{head}  status ahead, behind, identical or diverged
//                                                       (https://docs.github.com/en/rest/commits/commits#compare-two-commits)
// A ref is a SHA, a branch or a tag, resolved in the bare repository; an unknown one is 404 (list)
// or 422 "No commit found for SHA" (create). state must be error, failure, pending or success (422
// otherwise), description at most 140 characters. It checks the token. The test plays Argo CD by
// creating statuses through the POST endpoint from `onList`, which runs before each list is answered.
import { execFileSync } from 'node:child_process'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StatusInput {
  state: string
  context: string
  description?: string
  target_url?: string
}

interface StoredStatus extends Required<StatusInput> {
  id: number
  sha: string
  created_at: string
}

export interface FakeStatuses {
  url: string
  /** Each request as "METHOD path?query". */
  requests: string[]
  /** When each of `requests` arrived (Date.now()). */
  times: number[]
  /** Creates a status through the POST endpoint, as the notifications engine does. */
  post(sha: string, status: StatusInput): Promise<number>
  close(): Promise<void>
}

export interface FakeStatusesOptions {
  owner: string
  repo: string
  token: string
  bare: string
  /** Runs before the n-th list request for `sha` is answered (1-based), e.g. to post statuses. */
  onList?: (n: number, sha: string, fake: FakeStatuses) => Promise<void> | void
  /**
   * Answers the n-th list request with this HTTP status instead (e.g. 502), to test transient
   * failures; or with this status, body and headers (a rate limit's retry-after, x-ratelimit-*).
   */
  failList?: (n: number) => number | { status: number; data: unknown; headers?: Record<string, string> } | undefined
  /** Another stand-in (fake-github.ts) that answers every other request, so one API URL serves both. */
  forward?: string
}

/** Sends the request on to `base` unchanged and relays the answer. */
async function relay(base: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = ''
  for await (const chunk of req) body += chunk
  const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>
  const answer = await fetch(`${base}${req.url ?? '/'}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body })
  res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' })
  res.end(Buffer.from(await answer.arrayBuffer()))
}

async function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? (JSON.parse(text) as Record<string, unknown>) : {}
}

const STATES = ['error', 'failure', 'pending', 'success']

export async function startFakeStatuses(options: FakeStatusesOptions): Promise<FakeStatuses> {
  const { owner, repo, token, bare } = options
  const statuses: StoredStatus[] = []
  const requests: string[] = []
  const times: number[] = []
  let lists = 0
  let url = ''
  const resolveRef = (ref: string): string | undefined => {
    try {
      return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: bare, encoding: 'utf8' }).trim()
    } catch {
      return undefined
    }
  }
  const shape = (s: StoredStatus) => ({
    url: `${url}/repos/${owner}/${repo}/statuses/${s.sha}`,
    avatar_url: 'https://avatars.githubusercontent.com/in/0?v=4',
    id: s.id,
    node_id: `SC_kwDO${s.id}`,
    state: s.state,
    description: s.description || null,
    target_url: s.target_url || null,
    context: s.context,
    created_at: s.created_at,
    updated_at: s.created_at,
    creator: { login: 'argocd-notifications[bot]', id: 1, type: 'Bot' },
  })
  const server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://localhost')
      const path = decodeURIComponent(parsed.pathname)
      const prefix = `/repos/${owner}/${repo}`
      // With another stand-in behind it, that one answers the Git Data API (its refs included).
      if (options.forward && !/^\/repos\/[^/]+\/[^/]+\/(statuses\/|commits\/.+\/status(es)?$|compare\/)/.test(path)) return relay(options.forward, req, res)
      requests.push(`${req.method} ${path}${parsed.search}`)
      times.push(Date.now())
      const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers })
        res.end(JSON.stringify(data))
      }
      if (req.headers.authorization !== `token ${token}`) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
      const create = new RegExp(`^${prefix}/statuses/([^/]+)$`).exec(path)
      if (req.method === 'POST' && create) {
        const body = await readBody(req)
        const sha = /^[0-9a-f]{40}$/.test(create[1]!) ? resolveRef(create[1]!) : undefined
        if (!sha) return send(422, { message: `No commit found for SHA: ${create[1]}`, documentation_url: 'https://docs.github.com/rest/commits/statuses#create-a-commit-status' })
        if (!STATES.includes(String(body.state))) return send(422, { message: 'Validation Failed', errors: [{ resource: 'Status', field: 'state', code: 'custom', message: `state is not included in the list` }] })
        const description = String(body.description ?? '')
        if (description.length > 140) return send(422, { message: 'Validation Failed', errors: [{ resource: 'Status', field: 'description', code: 'custom', message: 'description is too long (maximum is 140 characters)' }] })
        const stored: StoredStatus = { id: statuses.length + 1, sha, state: String(body.state), context: String(body.context ?? 'default'), description, target_url: String(body.target_url ?? ''), created_at: new Date().toISOString() }
        statuses.push(stored)
        return send(201, shape(stored))
      }
      const ref = new RegExp(`^${prefix}/git/ref/(heads/.+)$`).exec(path)
      if (req.method === 'GET' && ref) {
        const sha = resolveRef(`refs/${ref[1]}`)
        if (!sha) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/git/refs#get-a-reference' })
        return send(200, { ref: `refs/${ref[1]}`, node_id: 'REF_kwDO', url: `${url}${prefix}/git/refs/${ref[1]}`, object: { sha, type: 'commit', url: `${url}${prefix}/git/commits/${sha}` } })
      }
      const compare = new RegExp(`^${prefix}/compare/([^.]+)\\.\\.\\.([^.]+)$`).exec(path)
      if (req.method === 'GET' && compare) {
        const [base, head] = [resolveRef(compare[1]!), resolveRef(compare[2]!)]
        if (!base || !head) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/commits/commits#compare-two-commits' })
        const count = (range: string) => Number(execFileSync('git', ['rev-list', '--count', range], { cwd: bare, encoding: 'utf8' }).trim())
        const [aheadBy, behindBy] = [count(`${base}..${head}`), count(`${head}..${base}`)]
        const status = aheadBy === 0 && behindBy === 0 ? 'identical' : behindBy === 0 ? 'ahead' : aheadBy === 0 ? 'behind' : 'diverged'
        return send(200, { url: `${url}${path}`, status, ahead_by: aheadBy, behind_by: behindBy, total_commits: aheadBy, base_commit: { sha: base }, merge_base_commit: { sha: execFileSync('git', ['merge-base', base, head], { cwd: bare, encoding: 'utf8' }).trim() }, commits: [], files: [] })
      }
      const read = new RegExp(`^${prefix}/commits/(.+)/(statuses|status)$`).exec(path)
      if (req.method === 'GET' && read) {
        const sha = resolveRef(read[1]!)
        if (read[2] === 'statuses') {
          lists++
          const failure = options.failList?.(lists)
          if (typeof failure === 'number') return send(failure, { message: 'Server Error' })
          if (failure) return send(failure.status, failure.data, failure.headers)
          if (sha) await options.onList?.(lists, sha, fake)
        }
        if (!sha) return send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest/commits/statuses' })
        const perPage = Math.min(Number(parsed.searchParams.get('per_page') ?? 30), 100)
        const page = Number(parsed.searchParams.get('page') ?? 1)
        const newest = statuses.filter((s) => s.sha === sha).reverse()
        if (read[2] === 'statuses') return send(200, newest.slice((page - 1) * perPage, page * perPage).map(shape))
        const latest = [...new Map(newest.reverse().map((s) => [s.context, s])).values()]
        const state = latest.some((s) => s.state === 'error' || s.state === 'failure') ? 'failure' : latest.length === 0 || latest.some((s) => s.state === 'pending') ? 'pending' : 'success'
        return send(200, { state, statuses: latest.map(shape), sha, total_count: latest.length, repository: { full_name: `${owner}/${repo}` }, commit_url: `${url}${prefix}/commits/${sha}`, url: `${url}${prefix}/commits/${sha}/status` })
      }
      send(404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' })
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  const fake: FakeStatuses = {
    url,
    requests,
    times,
    async post(sha, status) {
      const response = await fetch(`${url}/repos/${owner}/${repo}/statuses/${sha}`, { method: 'POST', headers: { authorization: `token ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(status) })
      await response.arrayBuffer()
      return response.status
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
  return fake
}
