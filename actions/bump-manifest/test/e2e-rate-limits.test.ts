// GitHub's rate limits met by the bundle, through the local stand-ins of the documented endpoints
// (helpers/fake-github.ts: the Git Data API and the pull request endpoints; helpers/fake-statuses.ts). A rate limit answers 403
// or 429: the primary one with `x-ratelimit-remaining: 0` and `x-ratelimit-reset` (UTC epoch
// seconds), a secondary one with a message saying so and `retry-after` (seconds) when GitHub names a
// wait (https://docs.github.com/en/rest/using-the-rest-api/rate-limits-for-the-rest-api#exceeding-the-rate-limit).
// No request may follow before that time; the step waits it (rate-limit.ts), or fails at once when it
// would end after the Argo CD wait's timeout.
import { describe, expect, it, onTestFinished } from 'vitest'
import { githubSandbox } from './helpers/github-sandbox'
import { startFakeStatuses, type FakeStatuses } from './helpers/fake-statuses'
import { deployment, REGISTRY, runBump, sandbox } from '@aks-gitops/test-support/repo'
import type { Answer } from './helpers/fake-git-data'

const TOKEN = 'ghs_RateLimitT0kenForTheBundleTests'
const VOTE = 'k8s/vote-deployment.yaml'
const DOCS = 'https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api'
const SECONDARY = 'You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID C0DE:1234:5678.'
const PRIMARY = 'API rate limit exceeded for installation ID 1.'
const epoch = (ms: number) => String(Math.ceil(ms / 1000))

/** 403, a secondary limit with retry-after (requests left in the hour: it is no primary limit). */
const secondary = (retryAfter: number): Answer => ({
  status: 403,
  data: { message: SECONDARY, documentation_url: `${DOCS}#about-secondary-rate-limits`, status: '403' },
  headers: { 'retry-after': String(retryAfter), 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '4990', 'x-ratelimit-used': '10', 'x-ratelimit-reset': epoch(Date.now() + 3_600_000), 'x-ratelimit-resource': 'core' },
})

/** 429, the primary limit spent until `resetMs` (x-ratelimit-reset, epoch seconds). */
const primary = (resetMs: number): Answer => ({
  status: 429,
  data: { message: PRIMARY, documentation_url: `${DOCS}#exceeding-the-rate-limit`, status: '429' },
  headers: { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-used': '5000', 'x-ratelimit-reset': epoch(resetMs), 'x-ratelimit-resource': 'core' },
})

const apiInputs = { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }

describe('commit-method api: a rate-limited ref update is tried again, no sooner than GitHub asked', () => {
  it.each([
    ['403, a secondary limit with retry-after: 1', () => secondary(1), /GitHub's secondary rate limit \(HTTP 403 "You have exceeded a secondary rate limit\.[^"]*"\): GitHub asks to wait 1 s \(retry-after\)/],
    // The reset is at least a second after the answer (epoch seconds, rounded up).
    ['429, the primary limit with x-ratelimit-reset', () => primary(Date.now() + 1000), /GitHub's primary rate limit \(HTTP 429 "API rate limit exceeded for installation ID 1\."\): GitHub asks to wait [12] s \(x-ratelimit-reset\)/],
  ])('%s', async (_, answer, said) => {
    const { box, api, work, env } = await githubSandbox({ [VOTE]: deployment('vote') }, TOKEN)
    let refused = false
    api.gitData!.answerRefUpdate = () => (refused ? undefined : ((refused = true), answer()))
    const run = await runBump(work, apiInputs, env)
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
    // The log says what GitHub asked for and how long the step waits; it is no authentication failure.
    expect(run.stdout).toMatch(new RegExp(`Attempt 1: PATCH /repos/octo/gitops/git/refs/heads/main: ${said.source}, until \\d\\d:\\d\\d:\\d\\d UTC; waiting \\d+\\.\\d s, then reading the branch again`))
    expect(run.stdout).not.toMatch(/contents: write/)
    const patches = api.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/git/refs/'))
    expect(patches).toHaveLength(2)
    expect(patches[1]!.at - patches[0]!.at).toBeGreaterThanOrEqual(1000)
  }, 60_000)

  it('a rate-limited read of the branch (403 secondary) is tried again after the wait, not taken for a missing permission', async () => {
    const { box, api, work, env } = await githubSandbox({ [VOTE]: deployment('vote') }, TOKEN)
    let reads = 0
    api.gitData!.answerRefRead = () => (++reads === 1 ? secondary(1) : undefined)
    const run = await runBump(work, apiInputs, env)
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(run.stdout).toMatch(/Attempt 1: GET \/repos\/octo\/gitops\/git\/ref\/heads\/main: GitHub's secondary rate limit \(HTTP 403 [^\n]*asks to wait 1 s \(retry-after\)/)
    const gets = api.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/git/ref/heads/main'))
    expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(1000)
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
  }, 60_000)
})

describe('pull-request mode: rate-limited pull request calls', () => {
  it('a rate-limited look for the open pull request starts another attempt, and a rate-limited create is sent again, each after the wait', async () => {
    const { box, api, work, env } = await githubSandbox({ [VOTE]: deployment('vote') }, TOKEN, { answerPulls: (method, n) => (n === 1 && (method === 'GET' || method === 'POST') ? secondary(1) : undefined) })
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'pull-request': 'true', environment: 'production' }, env)
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2', 'pull-request-url': 'https://github.example/octo/gitops/pull/1' })
    expect(run.stdout).toMatch(/Attempt 1: GET \/repos\/octo\/gitops\/pulls: GitHub's secondary rate limit \(HTTP 403 [^\n]*asks to wait 1 s \(retry-after\)[^\n]*; waiting \d+\.\d s, then reading the branch again/)
    expect(run.stdout).toMatch(/POST \/repos\/octo\/gitops\/pulls: GitHub's secondary rate limit \(HTTP 403 [^\n]*asks to wait 1 s \(retry-after\)[^\n]*; waiting 1\.0 s before request 2 of 3/)
    const at = (method: string) => api.requests.filter((r) => r.method === method && r.path.startsWith('/repos/octo/gitops/pulls')).map((r) => r.at)
    const [list1, list2] = at('GET')
    const [create1, create2] = at('POST')
    expect(list2! - list1!).toBeGreaterThanOrEqual(1000)
    expect(create2! - create1!).toBeGreaterThanOrEqual(1000)
    expect(api.pulls).toHaveLength(1)
    expect(box.remoteHead(api.pulls[0]!.head)).toBe(run.outputs['commit-sha'])
  }, 60_000)
})

describe('wait-for-application: a rate-limited status poll', () => {
  const APP = 'voting-app-staging'
  const argo = (sha: string) => ({ state: 'success', context: `continuous-delivery/${APP}`, description: `revision ${sha}: ${APP} is Synced and Healthy`, target_url: `https://argocd.example.com/applications/argocd/${APP}` })
  async function setUp(failList: (n: number) => Answer | undefined): Promise<{ api: FakeStatuses; work: string }> {
    const box = sandbox({ [VOTE]: deployment('vote') })
    const api = await startFakeStatuses({ owner: 'octo', repo: 'gitops', token: TOKEN, bare: box.remote, failList, onList: async (n, sha, fake) => void (n === 2 && (await fake.post(sha, argo(sha)))) })
    onTestFinished(async () => {
      await api.close()
      box.remove()
    })
    return { api, work: box.clone() }
  }
  const bump = (work: string, api: FakeStatuses) =>
    runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', environment: 'staging', 'wait-for-application': 'voting-app-{environment}', 'wait-interval': '1', 'wait-timeout': '20', 'status-token': TOKEN }, { GITHUB_API_URL: api.url })
  const polls = (api: FakeStatuses) => api.requests.flatMap((r, i) => (r.includes('/statuses?') ? [api.times[i]!] : []))

  it('waits what GitHub asked (retry-after: 2, over a 1 s interval), then polls again and succeeds', async () => {
    const { api, work } = await setUp((n) => (n === 1 ? secondary(2) : undefined))
    const run = await bump(work, api)
    expect(run.errors).toEqual([])
    expect(run.outputs['sync-status']).toBe('success')
    expect(run.stdout).toMatch(/poll 1: GET \/repos\/octo\/gitops\/commits\/[0-9a-f]{40}\/statuses: GitHub's secondary rate limit \(HTTP 403 [^\n]*GitHub asks to wait 2 s \(retry-after\), until \d\d:\d\d:\d\d UTC; waiting 2\.0 s before the next poll/)
    const [first, second] = polls(api)
    expect(second! - first!).toBeGreaterThanOrEqual(2000)
  }, 60_000)

  it('fails at once, naming the rate limit and when it resets, when that is after wait-timeout ends', async () => {
    const { api, work } = await setUp((n) => (n === 1 ? primary(Date.now() + 120_000) : undefined))
    const started = Date.now()
    const run = await bump(work, api)
    expect(run.exitCode).not.toBe(0)
    const commit = run.outputs['commit-sha']!
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^Argo CD Application ${APP} at revision ${commit}: unknown: its commit statuses could not be read: GET /repos/octo/gitops/commits/${commit}/statuses: ` +
          `GitHub's primary rate limit \\(HTTP 429 "API rate limit exceeded for installation ID 1\\."\\): GitHub asks to wait 1[12][0-9] s \\(x-ratelimit-reset\\), until \\d\\d:\\d\\d:\\d\\d UTC, after wait-timeout ends \\(\\d+ s left\\): not waiting past it$`,
      ),
    )
    expect(run.outputs).toMatchObject({ 'sync-status': 'unknown', 'sync-seconds': '0' })
    expect(polls(api)).toHaveLength(1)
    // Neither the 120 s nor the 20 s timeout was slept through.
    expect(Date.now() - started).toBeLessThan(15_000)
  }, 60_000)
})
