// time-run-jobs: the receipt's stages from GitHub's "List jobs for a workflow run attempt"
// (GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs,
// https://docs.github.com/en/rest/actions/workflow-jobs#list-jobs-for-a-workflow-run-attempt),
// served here by a local server with the documented response ({ total_count, jobs: [...] }) and
// pagination (per_page, page, a Link header with rel="next").
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { parseReceipt } from '@aks-gitops/toolkit'
import { jobStages, type RunJob } from '../src/run-jobs'
import { kustomization, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const OVERLAY = 'k8s-specifications/overlays/staging/kustomization.yaml'
const TOKEN = 'ghs_RunJobsT0kenForTheReceiptTests'

const job = (name: string, start: string, end: string | null, conclusion: string | null = 'success'): RunJob => ({
  name,
  status: end ? 'completed' : 'in_progress',
  conclusion: end ? conclusion : null,
  started_at: start,
  completed_at: end,
})

const JOBS: RunJob[] = [
  job('pipeline / Build linux/amd64,linux/arm64', '2026-11-30T05:00:10Z', '2026-11-30T05:05:22Z'),
  job('pipeline / Plan from the ref', '2026-11-30T05:00:00Z', '2026-11-30T05:00:08Z'),
  job('pipeline / Test', '2026-11-30T05:00:10Z', '2026-11-30T05:00:10Z', 'skipped'),
  job('pipeline / Publish to staging', '2026-11-30T05:05:30Z', '2026-11-30T05:06:11.5Z'),
  job('pipeline / Commit the manifests for staging', '2026-11-30T05:06:20Z', null),
]

let server: Server | undefined
let box: Sandbox | undefined
afterEach(async () => {
  box?.remove()
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))
  server = box = undefined
})

async function serve(status = 200): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = []
  server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`)
    const url = new URL(req.url ?? '', 'http://localhost')
    if (req.headers.authorization !== `token ${TOKEN}` || url.pathname !== '/repos/octo/gitops/actions/runs/4242/attempts/2/jobs') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Not Found' }))
      return
    }
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ message: 'Resource not accessible by integration' }))
      return
    }
    // Two a page, so the client must follow the Link header.
    const perPage = 2
    const page = Number(url.searchParams.get('page') ?? '1')
    const pages = Math.ceil(JOBS.length / perPage)
    const headers: Record<string, string> = { 'content-type': 'application/json' }
    if (page < pages) headers.link = `<http://${req.headers.host}${url.pathname}?per_page=100&page=${page + 1}>; rel="next"`
    res.writeHead(200, headers).end(JSON.stringify({ total_count: JOBS.length, jobs: JOBS.slice((page - 1) * perPage, page * perPage) }))
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server?.address() as AddressInfo).port}`, requests }
}

describe('time-run-jobs', () => {
  it('orders the completed jobs by start and leaves out skipped and running ones', () => {
    expect(jobStages(JOBS)).toEqual([
      { name: 'pipeline / Plan from the ref', seconds: 8 },
      { name: 'pipeline / Build linux/amd64 linux/arm64', seconds: 312 },
      { name: 'pipeline / Publish to staging', seconds: 41.5 },
    ])
  })

  it('puts the run\'s earlier jobs before the step\'s own stages in the receipt, reading every page', async () => {
    const api = await serve()
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const env = { GITHUB_API_URL: api.url, GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' }
    const run = await runBump(box.clone(), { files: OVERLAY, image: `${REGISTRY}/vote`, tag: '1.1.0', 'time-run-jobs': 'true', 'status-token': TOKEN }, env)
    expect(run.errors).toEqual([])
    const stages = parseReceipt(run.outputs.receipt ?? '').stages
    expect(stages.slice(0, 3)).toEqual(jobStages(JOBS))
    expect(stages.slice(3).map((s) => s.name)).toEqual(['order check', 'commit', 'argo cd wait'])
    expect(api.requests.filter((r) => r.startsWith('GET /repos/octo/gitops/actions/runs/4242/attempts/2/jobs'))).toHaveLength(3)
    expect(run.summary).toContain('| stages | pipeline / Plan from the ref 8 s, pipeline / Build linux/amd64 linux/arm64 312 s, pipeline / Publish to staging 41.5 s, order check')
  })

  it('warns and times only the step when the token may not read the jobs: the deploy still succeeds', async () => {
    const api = await serve(403)
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const env = { GITHUB_API_URL: api.url, GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '2' }
    const run = await runBump(box.clone(), { files: OVERLAY, image: `${REGISTRY}/vote`, tag: '1.1.0', 'time-run-jobs': 'true', token: TOKEN }, env)
    expect(run.exitCode).toBe(0)
    expect(run.outputs.changed).toBe('true')
    expect(run.stdout).toContain('::warning::time-run-jobs: could not read the jobs of run 4242 (attempt 2)')
    expect(parseReceipt(run.outputs.receipt ?? '').stages.map((s) => s.name)).toEqual(['order check', 'commit', 'argo cd wait'])
  })

  it('fails naming the input without a run id, before anything happens', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const head = box.remoteHead()
    const run = await runBump(box.clone(), { files: OVERLAY, image: `${REGISTRY}/vote`, tag: '1.1.0', 'time-run-jobs': 'true' }, { GITHUB_RUN_ID: '' })
    expect(run.errors).toEqual(['Input "time-run-jobs": needs GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT (the run whose jobs it times)'])
    expect(box.remoteHead()).toBe(head)
  })
})
