// The token path end to end: git over HTTP (git http-backend) that demands the token, a previous
// checkout's extraheader left in .git/config, and pull-request mode against a fake GitHub API.
// Afterwards no byte of the token or its base64 form may be anywhere: logs, .git/config, the work
// tree or RUNNER_TEMP.
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github'
import { startGitHttpServer, type GitHttpServer } from '@aks-gitops/test-support/git-http-server'
import { deployment, git, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const TOKEN = 'ghs_Sup3rSecretT0kenValue42'
const BASIC = Buffer.from(`x-access-token:${TOKEN}`).toString('base64')
const VOTE = 'k8s/vote-deployment.yaml'

let box: Sandbox | undefined
let http: GitHttpServer | undefined
let api: FakeGitHub | undefined
afterEach(async () => {
  await http?.close()
  await api?.close()
  box?.remove()
  http = api = box = undefined
})

/** Every file under dir whose bytes contain the needle. */
function filesContaining(dir: string, needle: string): string[] {
  const hits: string[] = []
  const walk = (path: string): void => {
    for (const name of readdirSync(path)) {
      const full = join(path, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (readFileSync(full).includes(needle)) hits.push(full)
    }
  }
  walk(dir)
  return hits
}

/** A clone whose origin is the HTTP server, with a stale header as actions/checkout would leave it. */
async function httpClone(options: { readOnly?: boolean } = {}): Promise<{ work: string; runnerTemp: string }> {
  box = sandbox({ [VOTE]: deployment('vote') })
  http = await startGitHttpServer(box.dir, TOKEN, options)
  const work = box.clone()
  git(work, 'remote', 'set-url', 'origin', `${http.url}/remote.git`)
  git(work, 'config', `http.${http.url}/.extraheader`, `AUTHORIZATION: basic ${Buffer.from('x-access-token:stale').toString('base64')}`)
  const runnerTemp = join(box.dir, 'runner-temp')
  mkdirSync(runnerTemp)
  return { work, runnerTemp }
}

/**
 * The runner swallows `::add-mask::` commands and masks those values in everything printed after
 * them; the step must register both forms first, and print them nowhere else.
 */
function expectMaskedFirst(output: string, token: string): string {
  const lines = output.split('\n')
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
  expect(lines.slice(0, 2)).toEqual([`::add-mask::${token}`, `::add-mask::${basic}`])
  return lines.filter((line) => !line.startsWith('::add-mask::')).join('\n')
}

function expectNoToken(box: Sandbox, work: string, runnerTemp: string, output: string): void {
  for (const secret of [TOKEN, BASIC]) {
    expect(output).not.toContain(secret)
    expect(readFileSync(join(work, '.git', 'config'), 'utf8')).not.toContain(secret)
    expect(filesContaining(work, secret)).toEqual([])
    expect(filesContaining(runnerTemp, secret)).toEqual([])
    expect(filesContaining(box.remote, secret)).toEqual([])
  }
}

describe('token', () => {
  it('pushes over HTTP with the token from the environment only, replacing a stale checkout header', async () => {
    const { work, runnerTemp } = await httpClone()
    // GIT_TRACE logs the argv of every git process (git-remote-http included) to this file.
    const trace = join(box!.dir, 'git-trace.log')
    const run = await runBump(
      work,
      { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN },
      {
        RUNNER_TEMP: runnerTemp,
        GITHUB_SERVER_URL: http!.url,
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'core.quotePath',
        GIT_CONFIG_VALUE_0: 'false',
        GIT_TRACE: trace,
      },
    )
    expect(run.errors).toEqual([])
    expect(run.outputs.changed).toBe('true')
    expect(box!.remoteHead()).toBe(run.outputs['commit-sha'])
    // Every request carried exactly one Authorization header, and it was ours (the stale one was reset).
    expect(http!.authorizations.length).toBeGreaterThanOrEqual(3)
    for (const headers of http!.authorizations) expect(headers).toEqual([`basic ${BASIC}`])
    // Never in argv: no git command line carried the token in any form.
    const argv = readFileSync(trace, 'utf8')
    expect(argv).toMatch(/git push --porcelain --no-verify origin [0-9a-f]{40}:refs\/heads\/main/)
    expect(argv).toContain('git-remote-http origin')
    expect(argv).not.toContain(TOKEN)
    expect(argv).not.toContain(BASIC)
    expectNoToken(box!, work, runnerTemp, expectMaskedFirst(run.stdout, TOKEN) + run.stderr)
  })

  it('fails at once, without retrying, when the token is refused', async () => {
    const { work, runnerTemp } = await httpClone()
    const head = box!.remoteHead()
    const wrong = 'ghs_WrongT0kenValue'
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: wrong }, { RUNNER_TEMP: runnerTemp, GITHUB_SERVER_URL: http!.url })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/cannot fetch branch "main" from origin/)
    expect(run.errors[0]).toMatch(/terminal prompts disabled|Authentication failed/)
    expect(http!.pushes).toBe(0)
    expect(box!.remoteHead()).toBe(head)
    expect(expectMaskedFirst(run.stdout, wrong) + run.stderr).not.toContain(wrong)
  })

  it('fails at once when the token may read but not push', async () => {
    const { work, runnerTemp } = await httpClone({ readOnly: true })
    const head = box!.remoteHead()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN }, { RUNNER_TEMP: runnerTemp, GITHUB_SERVER_URL: http!.url })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    // git's reason first, then what to do.
    expect(run.errors[0]).toMatch(/^push of [0-9a-f]{40}:main rejected: fatal: unable to access '.*': The requested URL returned error: 403\nauthentication failed; check the token and its permissions/)
    expect(run.outputs.attempts).toBe('1')
    expect(run.stdout).not.toContain('The remote branch moved')
    expect(box!.remoteHead()).toBe(head)
    expectNoToken(box!, work, runnerTemp, expectMaskedFirst(run.stdout, TOKEN) + run.stderr)
  })
})

describe('pull-request mode', () => {
  it('pushes a branch of its own and opens a pull request, then updates the same one', async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    api = await startFakeGitHub('octo', 'gitops', TOKEN)
    const work = box.clone()
    const head = box.remoteHead()
    const runnerTemp = join(box.dir, 'runner-temp')
    mkdirSync(runnerTemp)
    const env = { GITHUB_API_URL: api.url, RUNNER_TEMP: runnerTemp }
    const inputs = { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'pull-request': 'true', environment: 'production' }

    const first = await runBump(work, inputs, env)
    expect(first.errors).toEqual([])
    expect(first.outputs['pull-request-url']).toBe('https://github.example/octo/gitops/pull/1')
    expect(box.remoteHead()).toBe(head)
    const branch = 'bump-manifest/main/vote-production'
    expect(box.remoteHead(branch)).toBe(first.outputs['commit-sha'])
    expect(git(box.remote, 'rev-parse', `${branch}^`)).toBe(head)
    expect(api.pulls).toEqual([
      expect.objectContaining({ number: 1, head: branch, base: 'main', title: `deploy(vote): ${REGISTRY}/vote 1.2.3 → production`, state: 'open' }),
    ])
    expect(api.pulls[0]?.body).toContain('Bumped-by: bump-manifest')

    const second = await runBump(work, { ...inputs, tag: '1.2.4' }, env)
    expect(second.errors).toEqual([])
    expect(second.outputs['pull-request-url']).toBe('https://github.example/octo/gitops/pull/1')
    expect(api.pulls).toHaveLength(1)
    expect(api.pulls[0]?.title).toBe(`deploy(vote): ${REGISTRY}/vote 1.2.4 → production`)
    expect(box.remoteFile(VOTE, branch)).toContain('vote:1.2.4')
    expect(api.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'GET /repos/octo/gitops/pulls',
      'POST /repos/octo/gitops/pulls',
      'GET /repos/octo/gitops/pulls',
      'PATCH /repos/octo/gitops/pulls/1',
    ])
    expect(api.requests[0]?.path).toContain(`head=${encodeURIComponent(`octo:${branch}`)}`)
    expectNoToken(box, work, runnerTemp, expectMaskedFirst(first.stdout, TOKEN) + first.stderr + expectMaskedFirst(second.stdout, TOKEN) + second.stderr)
  })
})
