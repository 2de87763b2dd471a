// A local stand-in for the three GitHub REST endpoints pull-request mode calls, answering in the
// documented shapes (https://docs.github.com/rest/pulls/pulls): list pull requests (filtered by
// head and base), create a pull request, update a pull request. It checks the token.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface FakePull {
  number: number
  title: string
  body: string
  head: string
  base: string
  state: 'open' | 'closed'
}

export interface FakeGitHub {
  url: string
  pulls: FakePull[]
  requests: { method: string; path: string; authorization: string | undefined }[]
  close(): Promise<void>
}

async function body(req: IncomingMessage): Promise<Record<string, string>> {
  let text = ''
  for await (const chunk of req) text += chunk
  return text ? (JSON.parse(text) as Record<string, string>) : {}
}

export async function startFakeGitHub(owner: string, repo: string, token: string): Promise<FakeGitHub> {
  const pulls: FakePull[] = []
  const requests: FakeGitHub['requests'] = []
  let url = ''
  const shape = (pull: FakePull) => ({
    id: 1000 + pull.number,
    number: pull.number,
    state: pull.state,
    title: pull.title,
    body: pull.body,
    html_url: `https://github.example/${owner}/${repo}/pull/${pull.number}`,
    url: `${url}/repos/${owner}/${repo}/pulls/${pull.number}`,
    head: { ref: pull.head, label: `${owner}:${pull.head}`, repo: { full_name: `${owner}/${repo}` } },
    base: { ref: pull.base, label: `${owner}:${pull.base}`, repo: { full_name: `${owner}/${repo}` } },
  })
  const server: Server = createServer((req, res) => {
    void (async () => {
      const parsed = new URL(req.url ?? '/', 'http://localhost')
      requests.push({ method: req.method ?? '', path: parsed.pathname + parsed.search, authorization: req.headers.authorization })
      const send = (status: number, data: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' })
        res.end(JSON.stringify(data))
      }
      if (req.headers.authorization !== `token ${token}`) return send(401, { message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' })
      const prefix = `/repos/${owner}/${repo}/pulls`
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
        const data = await body(req)
        if (pulls.some((p) => p.head === data.head && p.state === 'open')) {
          return send(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists' }] })
        }
        const pull: FakePull = { number: pulls.length + 1, title: data.title ?? '', body: data.body ?? '', head: data.head ?? '', base: data.base ?? '', state: 'open' }
        pulls.push(pull)
        return send(201, shape(pull))
      }
      const number = new RegExp(`^${prefix}/([0-9]+)$`).exec(parsed.pathname)?.[1]
      const pull = pulls.find((p) => String(p.number) === number)
      if (req.method === 'PATCH' && pull) {
        const data = await body(req)
        if (data.title !== undefined) pull.title = data.title
        if (data.body !== undefined) pull.body = data.body
        return send(200, shape(pull))
      }
      send(404, { message: 'Not Found' })
    })()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url, pulls, requests, close: () => new Promise((resolve) => server.close(() => resolve())) }
}
