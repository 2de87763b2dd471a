// commit-method api and auto-merge, run through the committed bundle against a local GitHub API
// that implements the documented endpoints over a REAL bare repository (helpers/fake-git-data.ts):
//   https://docs.github.com/en/rest/git/refs#get-a-reference, #update-a-reference, #create-a-reference
//   https://docs.github.com/en/rest/git/commits#get-a-commit-object, #create-a-commit
//   https://docs.github.com/en/rest/git/trees#get-a-tree, #create-a-tree
//   https://docs.github.com/en/rest/git/blobs#get-a-blob
//   https://docs.github.com/en/graphql/reference/mutations#enablepullrequestautomerge
// so every result is checked with git itself.
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './helpers/fake-github'
import { TOKEN_IDENTITY } from './helpers/fake-git-data'
import { deployment, git, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const TOKEN = 'ghs_ApiT0kenForTheGitDataTests'
const VOTE = 'k8s/vote-deployment.yaml'
const RESULT = 'k8s/result-deployment.yaml'
const seed = { [VOTE]: deployment('vote'), [RESULT]: deployment('result') }

let box: Sandbox | undefined
let api: FakeGitHub | undefined
afterEach(async () => {
  await api?.close()
  box?.remove()
  api = box = undefined
})

async function setUp(options: Omit<FakeGitHubOptions, 'bare'> = {}): Promise<{ box: Sandbox; api: FakeGitHub; work: string; env: Record<string, string> }> {
  box = sandbox(seed)
  api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote, ...options })
  return { box, api, work: box.clone(), env: { GITHUB_API_URL: api.url } }
}

const calls = (fake: FakeGitHub) => fake.requests.map((r) => `${r.method} ${r.path.replace(/[0-9a-f]{40}/g, '<sha>')}`)

describe('commit-method api', () => {
  it('creates the commit through the Git Data API: GitHub writes it, signs it, and the branch moves by a fast-forward ref update', async () => {
    const { box, api, work, env } = await setUp()
    const before = box.remoteHead()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', environment: 'staging', token: TOKEN, 'commit-method': 'api' }, env)
    expect(run.errors).toEqual([])
    const head = box.remoteHead()
    expect(head).not.toBe(before)
    expect(run.outputs).toMatchObject({ changed: 'true', 'commit-sha': head, attempts: '1', 'auto-merge': '' })
    // Checked with git: one parent, exactly one file changed, only the vote image.
    expect(git(box.remote, 'rev-parse', `${head}^`)).toBe(before)
    expect(git(box.remote, 'diff-tree', '--no-commit-id', '--name-only', '-r', head)).toBe(VOTE)
    expect(box.remoteFile(VOTE)).toBe(seed[VOTE].replace('vote:1.0.0  #', 'vote:1.2.3  #'))
    expect(git(box.remote, 'log', '-1', '--format=%s%n%an <%ae>', head).split('\n')).toEqual([
      `deploy(vote): ${REGISTRY}/vote 1.2.3 → staging`,
      `${TOKEN_IDENTITY.name} <${TOKEN_IDENTITY.email}>`,
    ])
    // GitHub signs it: created without a custom author or committer.
    expect(api.gitData?.signed.has(head)).toBe(true)
    expect(calls(api)).toEqual([
      'GET /repos/octo/gitops/git/ref/heads/main',
      'GET /repos/octo/gitops/git/commits/<sha>',
      'GET /repos/octo/gitops/git/trees/<sha>',
      'GET /repos/octo/gitops/git/trees/<sha>',
      'GET /repos/octo/gitops/git/blobs/<sha>',
      'POST /repos/octo/gitops/git/trees',
      'POST /repos/octo/gitops/git/commits',
      'PATCH /repos/octo/gitops/git/refs/heads/main',
    ])
    const body = (i: number) => api!.requests[i]?.body ?? {}
    expect(body(5)).toEqual({ base_tree: git(box.remote, 'rev-parse', `${before}^{tree}`), tree: [{ path: VOTE, mode: '100644', type: 'blob', content: box.remoteFile(VOTE) }] })
    // No author or committer: GitHub signs only commits without them.
    expect(Object.keys(body(6)).sort()).toEqual(['message', 'parents', 'tree'])
    expect(body(6)).toMatchObject({ tree: git(box.remote, 'rev-parse', `${head}^{tree}`), parents: [before] })
    expect(body(7)).toEqual({ sha: head, force: false })
    expect(new Set(api.requests.map((r) => r.authorization))).toEqual(new Set([`token ${TOKEN}`]))
    // The checked-out branch follows (fetched), as after a push.
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head)
    expect(git(work, 'status', '--porcelain')).toBe('')
    expect(run.summary).toContain(`Commit \`${head}\` created through the GitHub API (signed by GitHub) on \`main\` in 1 attempt.`)
  })

  it('passes a "require signed commits" ruleset, keeping an executable file executable', async () => {
    const { box, api, work, env } = await setUp({ rules: { main: ['required_signatures'] } })
    git(work, 'update-index', '--chmod=+x', RESULT)
    git(work, '-c', 'user.name=s', '-c', 'user.email=s@example.com', 'commit', '--quiet', '-m', 'executable')
    git(work, 'push', '--quiet', 'origin', 'main')
    const run = await runBump(work, { files: RESULT, image: `${REGISTRY}/result`, tag: '2.0.0', token: TOKEN, 'commit-method': 'api' }, env)
    expect(run.errors).toEqual([])
    expect(api.gitData?.signed.has(box.remoteHead())).toBe(true)
    expect(git(box.remote, 'ls-tree', 'main', RESULT).split(' ')[0]).toBe('100755')
    expect(box.remoteFile(RESULT)).toContain('result:2.0.0  # pinned')
  })

  it('survives a moved branch: 422 "Update is not a fast forward", then re-reads the head and re-applies the edit by position on the new contents', async () => {
    const { box, api, work, env } = await setUp()
    // Another pipeline's commit: a line inserted above the image (every position below shifts)
    // and the sidecar changed, in the same file.
    const other = box.clone('other')
    execFileSync('sh', ['-c', `sed -i '1i # owned by team vote' ${VOTE} && sed -i 's/redis:7-alpine/redis:7.4-alpine/' ${VOTE}`], { cwd: other })
    git(other, '-c', 'user.name=o', '-c', 'user.email=o@example.com', 'commit', '--quiet', '-am', 'other pipeline')
    git(other, 'push', '--quiet', 'origin', 'HEAD:refs/heads/concurrent')
    let raced = false
    api.gitData!.beforeRefUpdate = (ref) => {
      if (raced || ref !== 'refs/heads/main') return
      raced = true
      git(box.remote, 'update-ref', 'refs/heads/main', 'refs/heads/concurrent')
    }
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.4', token: TOKEN, 'commit-method': 'api' }, env)
    expect(run.errors).toEqual([])
    expect(run.outputs.attempts).toBe('2')
    expect(run.stdout).toContain('The remote branch moved during attempt 1')
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(2)
    const head = box.remoteHead()
    expect(run.outputs['commit-sha']).toBe(head)
    expect(git(box.remote, 'log', '--format=%s', 'main').split('\n')).toEqual([`deploy(vote): ${REGISTRY}/vote 1.2.4 in ${VOTE}`, 'other pipeline', 'seed manifests'])
    const expected = ['# owned by team vote', ...seed[VOTE].split('\n')].join('\n').replace('vote:1.0.0  #', 'vote:1.2.4  #').replace('redis:7-alpine', 'redis:7.4-alpine')
    expect(box.remoteFile(VOTE)).toBe(expected)
    expect(api.gitData?.signed.has(head)).toBe(true)
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head)
  })

  it('fast-forwards the checkout to its own commit when another commit lands right after it', async () => {
    const { box, api, work, env } = await setUp()
    let later = ''
    api.gitData!.afterRefUpdate = () => {
      later = box.land('later')
    }
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }, env)
    expect(run.errors).toEqual([])
    expect(run.stdout).not.toContain('::warning::')
    expect(box.remoteHead()).toBe(later)
    expect(git(box.remote, 'rev-parse', `${later}^`)).toBe(run.outputs['commit-sha'])
    expect(git(work, 'rev-parse', 'HEAD')).toBe(run.outputs['commit-sha'])
    expect(git(work, 'status', '--porcelain')).toBe('')
  })

  it('warns, and still succeeds, when the checkout cannot fetch its API commit (no such remote)', async () => {
    const { box, work, env } = await setUp()
    const before = git(work, 'rev-parse', 'HEAD')
    git(work, 'remote', 'remove', 'origin')
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }, env)
    expect(run.exitCode).toBe(0)
    expect(run.errors).toEqual([])
    expect(run.outputs['commit-sha']).toBe(box.remoteHead())
    expect(run.stdout).toContain(`::warning::Could not fast-forward the local main to ${box.remoteHead()}`)
    expect(git(work, 'rev-parse', 'HEAD')).toBe(before)
  })

  it('gives up after max-attempts when the branch keeps moving, landing nothing of its own', async () => {
    const { box, api, work, env } = await setUp()
    // Every ref update races another commit (an empty one on top of main).
    api.gitData!.beforeRefUpdate = () => {
      box.land('other')
    }
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api', 'max-attempts': '2' }, env)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors[0]).toMatch(/^gave up after 2 attempts: update of branch "main" to [0-9a-f]{40} through the GitHub API rejected: the branch moved since it was read/)
    expect(run.outputs.attempts).toBe('2')
    expect(git(box.remote, 'log', '--format=%s', 'main').split('\n')).toEqual(['other', 'other', 'seed manifests'])
    expect(box.remoteFile(VOTE)).toBe(seed[VOTE])
  })

  it('fails at once, changing nothing, when a ruleset requires a pull request (422 "Repository rule violations found")', async () => {
    const { box, api, work, env } = await setUp({ rules: { main: ['pull_request'] } })
    const head = box.remoteHead()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api', 'max-attempts': '5' }, env)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(/^update of branch "main" to [0-9a-f]{40} through the GitHub API rejected: a ruleset or branch protection rule refused it; GITHUB_TOKEN cannot bypass rulesets: use pull-request mode/)
    expect(run.errors[0]).toContain('HTTP 422: Repository rule violations found')
    expect(run.errors[0]).toContain('Changes must be made through a pull request.')
    expect(run.outputs.attempts).toBe('1')
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1)
    expect(box.remoteHead()).toBe(head)
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head)
    expect(git(work, 'status', '--porcelain')).toBe('')
  })

  it('fails with one clear error on 409 "Git Repository is empty." and creates nothing', async () => {
    box = sandbox(seed)
    const empty = join(box.dir, 'empty.git')
    git(box.dir, 'init', '--quiet', '--bare', empty)
    api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: empty })
    const work = box.clone()
    const env = { GITHUB_API_URL: api.url }
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }, env)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toEqual(['cannot read branch "main" of octo/gitops through the GitHub API: Git Repository is empty. (HTTP 409)'])
    expect(calls(api)).toEqual(['GET /repos/octo/gitops/git/ref/heads/main'])
  })
})

describe('pull-request mode with auto-merge', () => {
  const inputs = { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'pull-request': 'true', environment: 'production' }
  const branch = 'bump-manifest/main/vote-production'

  it('commits through the API onto a pull request branch of its own and enables auto-merge on it', async () => {
    const { box, api, work, env } = await setUp()
    const head = box.remoteHead()
    const first = await runBump(work, { ...inputs, 'commit-method': 'api', 'auto-merge': 'squash' }, env)
    expect(first.errors).toEqual([])
    expect(box.remoteHead()).toBe(head)
    expect(box.remoteHead(branch)).toBe(first.outputs['commit-sha'])
    expect(git(box.remote, 'rev-parse', `${branch}^`)).toBe(head)
    expect(first.outputs).toMatchObject({ 'auto-merge': 'enabled', 'pull-request-url': 'https://github.example/octo/gitops/pull/1' })
    expect(api.pulls).toEqual([expect.objectContaining({ number: 1, head: branch, base: 'main', autoMerge: 'SQUASH' })])
    const mutation = api.requests.find((r) => r.path === '/graphql')
    expect(mutation?.body.variables).toEqual({ pullRequestId: 'PR_kwDO1', mergeMethod: 'SQUASH', expectedHeadOid: first.outputs['commit-sha'] })
    expect(calls(api)).toContain('POST /repos/octo/gitops/git/refs')
    expect(first.summary).toContain('Auto-merge (squash) enabled')

    // The next run puts its commit on top of the open pull request's branch (a fast-forward ref
    // update, no force) and updates the same pull request.
    const second = await runBump(work, { ...inputs, tag: '1.2.4', 'commit-method': 'api', 'auto-merge': 'squash' }, env)
    expect(second.errors).toEqual([])
    expect(git(box.remote, 'rev-parse', `${branch}^`)).toBe(first.outputs['commit-sha'])
    expect(box.remoteFile(VOTE, branch)).toContain('vote:1.2.4')
    expect(api.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/git/refs/')).at(-1)?.body).toEqual({ sha: second.outputs['commit-sha'], force: false })
    expect(api.pulls).toHaveLength(1)
  })

  // No open pull request: the branch holds a closed pull request's leftover, rebuilt on the base and
  // moved by force through GraphQL updateRefs with beforeOid = the tip this attempt read
  // (https://docs.github.com/en/graphql/reference/mutations#updaterefs, input-objects#refupdate).
  function leftover(remote: string, message: string, parent = 'refs/heads/main'): string {
    const identity = { GIT_AUTHOR_NAME: 'o', GIT_AUTHOR_EMAIL: 'o@example.com', GIT_COMMITTER_NAME: 'o', GIT_COMMITTER_EMAIL: 'o@example.com' }
    return execFileSync('git', ['commit-tree', `${parent}^{tree}`, '-p', parent, '-m', message], { cwd: remote, encoding: 'utf8', env: { ...process.env, ...identity } }).trim()
  }
  const updateRefsCalls = (fake: FakeGitHub) => fake.requests.filter((r) => r.path === '/graphql' && /updateRefs\(/.test(String(r.body.query)))

  it("replaces a closed pull request's leftover branch from the tip it read (updateRefs with beforeOid)", async () => {
    const { box, api, work, env } = await setUp()
    const stale = leftover(box.remote, 'a closed pull request')
    git(box.remote, 'update-ref', `refs/heads/${branch}`, stale)
    const run = await runBump(work, { ...inputs, 'commit-method': 'api' }, env)
    expect(run.errors).toEqual([])
    expect(box.remoteHead(branch)).toBe(run.outputs['commit-sha'])
    expect(git(box.remote, 'rev-parse', `${branch}^`)).toBe(box.remoteHead())
    expect(updateRefsCalls(api).map((r) => r.body.variables)).toEqual([
      { repositoryId: 'R_kgDOgitops', refUpdates: [{ name: `refs/heads/${branch}`, beforeOid: stale, afterOid: run.outputs['commit-sha'], force: true }] },
    ])
    expect(calls(api)).not.toContain(`PATCH /repos/octo/gitops/git/refs/heads/${branch}`)
  })

  it("never overwrites a racing run's commit that landed after the read: refused, re-read, and stacked on once its pull request is open", async () => {
    const { box, api, work, env } = await setUp()
    git(box.remote, 'update-ref', `refs/heads/${branch}`, leftover(box.remote, 'a closed pull request'))
    let other = ''
    api.gitData!.beforeRefUpdate = (ref) => {
      if (other || ref !== `refs/heads/${branch}`) return
      // The other run, which also found no pull request, lands its commit and opens its pull request.
      other = leftover(box.remote, 'the other run')
      git(box.remote, 'update-ref', ref, other)
      api.pulls.push({ number: 1, title: 'other', body: '', head: branch, base: 'main', state: 'open' })
    }
    const run = await runBump(work, { ...inputs, 'commit-method': 'api' }, env)
    expect(run.errors).toEqual([])
    expect(box.remoteHead(branch)).toBe(run.outputs['commit-sha'])
    expect(git(box.remote, 'rev-parse', `${branch}^`)).toBe(other)
    expect(box.remoteFile(VOTE, branch)).toContain('vote:1.2.3')
    expect(updateRefsCalls(api)).toHaveLength(1)
    expect(api.requests.filter((r) => r.method === 'PATCH' && r.path.includes('/git/refs/')).map((r) => r.body)).toEqual([{ sha: run.outputs['commit-sha'], force: false }])
    expect(run.outputs['pull-request-url']).toBe('https://github.example/octo/gitops/pull/1')
    expect(api.pulls).toHaveLength(1)
  })

  it.each([
    ['the repository does not allow auto-merge', { allowAutoMerge: false }, 'not-allowed', /does not allow auto-merge.*Auto merge is not allowed for this repository/],
    ['the pull request is already mergeable', { mergeStateStatus: 'CLEAN' as const }, 'already-mergeable', /can already be merged.*Pull request is in clean status/],
  ])('warns and leaves the pull request open when %s', async (_what, options, state, why) => {
    const { box, api, work, env } = await setUp(options)
    const run = await runBump(work, { ...inputs, 'auto-merge': 'merge' }, env)
    expect(run.exitCode).toBe(0)
    expect(run.errors).toEqual([])
    expect(run.outputs['auto-merge']).toBe(state)
    expect(run.stdout).toMatch(new RegExp(`::warning::Auto-merge not enabled on https://github.example/octo/gitops/pull/1: .*${why.source}`))
    expect(api.pulls).toEqual([expect.objectContaining({ state: 'open' })])
    expect(api.pulls[0]?.autoMerge).toBeUndefined()
    expect(box.remoteHead(branch)).toBe(run.outputs['commit-sha'])
    expect(run.summary).toMatch(/Auto-merge \(merge\) not enabled: .*The pull request stays open\./)
  })
})
