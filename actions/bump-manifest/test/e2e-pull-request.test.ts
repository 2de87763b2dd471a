// Pull-request mode as GitHub runs it, through the committed bundle: a real bare repository for the
// branches and a local stand-in of the pull request endpoints (helpers/fake-github.ts) that answers as
// https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request documents, with GitHub's own bodies:
//   403 {"message":"GitHub Actions is not permitted to create or approve pull requests.", ...}
//       (GITHUB_TOKEN while "Allow GitHub Actions to create and approve pull requests" is off,
//       https://github.blog/changelog/2022-05-03-github-actions-prevent-github-actions-from-creating-and-approving-pull-requests/)
//   422 {"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for OWNER:BRANCH."}], ...}
// and a pre-receive hook that refuses, as GitHub refuses GITHUB_TOKEN, a ref update that changes
// .github/workflows: "refusing to allow a GitHub App to create or update workflow `PATH` without
// `workflows` permission" (the reason GitHub prints in the push's [remote rejected] line).
import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import type { FakeGitHubOptions } from './helpers/fake-github'
import { githubSandbox } from './helpers/github-sandbox'
import { deployment, git, preReceiveHook, REGISTRY, runBump, type Sandbox } from '@aks-gitops/test-support/repo'

const TOKEN = 'ghs_PullRequestModeT0ken'
const VOTE = 'k8s/vote-deployment.yaml'
const BRANCH = 'bump-manifest/main/vote-production'
const PULL = 'https://github.example/octo/gitops/pull/1'
const inputs = { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'pull-request': 'true', environment: 'production' }

const setUp = (options: Omit<FakeGitHubOptions, 'bare'> = {}) => githubSandbox({ [VOTE]: deployment('vote') }, TOKEN, options)

const ZERO = '0000000000000000000000000000000000000000'
/** GitHub's refusal of a ref update that changes a workflow file, for a token without the workflows permission. */
const NO_WORKFLOWS_PERMISSION = `
while read old new ref; do
  [ "$old" = "${ZERO}" ] && continue
  file=$(git diff --name-only "$old" "$new" -- .github/workflows | head -n 1)
  if [ -n "$file" ]; then
    echo "refusing to allow a GitHub App to create or update workflow \\\`$file\\\` without \\\`workflows\\\` permission"
    exit 1
  fi
done`

let others = 0
/** Someone else's commit on the remote's branch (a workflow file, or an empty one); returns it. */
function landOnRemote(box: Sandbox, branch: string, file?: { path: string; content: string }): string {
  const author = { GIT_AUTHOR_NAME: 'o', GIT_AUTHOR_EMAIL: 'o@example.com', GIT_COMMITTER_NAME: 'o', GIT_COMMITTER_EMAIL: 'o@example.com' }
  const other = box.clone(`other-${++others}`)
  git(other, 'checkout', '--quiet', branch)
  if (file) {
    execFileSync('mkdir', ['-p', file.path.replace(/\/[^/]+$/, '')], { cwd: other })
    execFileSync('sh', ['-c', `cat > "${file.path}"`], { cwd: other, input: file.content })
    git(other, 'add', file.path)
  }
  execFileSync('git', ['commit', '--quiet', '--allow-empty', '-m', 'another change'], { cwd: other, env: { ...process.env, ...author } })
  git(other, 'push', '--quiet', 'origin', branch)
  return git(other, 'rev-parse', 'HEAD')
}

describe('a new bump while the pull request is open', () => {
  it('goes on top of its branch (a fast-forward push), so workflow changes on the base never reach that push', async () => {
    const { box, api, work, env } = await setUp()
    const first = await runBump(work, inputs, env)
    expect(first.errors).toEqual([])
    expect(first.outputs['pull-request-url']).toBe(PULL)

    // The base gains a workflow change, and the remote refuses any ref update that carries one.
    const base = landOnRemote(box, 'main', { path: '.github/workflows/build.yml', content: 'on: push\n' })
    preReceiveHook(box.remote, NO_WORKFLOWS_PERMISSION)

    const second = await runBump(work, { ...inputs, tag: '1.2.4' }, env)
    expect(second.errors).toEqual([])
    expect(second.outputs).toMatchObject({ changed: 'true', attempts: '1', 'pull-request-url': PULL })
    // One commit per bump on the pull request's branch; the base is untouched.
    expect(box.remoteHead(BRANCH)).toBe(second.outputs['commit-sha'])
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(first.outputs['commit-sha'])
    expect(box.remoteHead()).toBe(base)
    expect(box.remoteFile(VOTE, BRANCH)).toContain('vote:1.2.4')
    expect(api.pulls).toEqual([expect.objectContaining({ number: 1, title: `deploy(vote): ${REGISTRY}/vote 1.2.4 → production`, state: 'open' })])
    expect(second.stdout).toContain(`Updated pull request ${PULL} (the commit is on top of its branch, ${first.outputs['commit-sha']!.slice(0, 12)})`)

    // The same bump again: the branch already holds it, so no commit, and the open pull request is the answer.
    const again = await runBump(work, { ...inputs, tag: '1.2.4' }, env)
    expect(again.errors).toEqual([])
    expect(again.outputs).toMatchObject({ changed: 'false', 'commit-sha': '', 'pull-request-url': PULL })
    expect(box.remoteHead(BRANCH)).toBe(second.outputs['commit-sha'])
  })

  it('lands on top of a commit someone pushed onto the pull request branch, and auto-merge is armed for the new head', async () => {
    const { box, api, work, env } = await setUp()
    const first = await runBump(work, { ...inputs, 'auto-merge': 'squash' }, env)
    expect(first.errors).toEqual([])
    const pushed = landOnRemote(box, BRANCH)
    const second = await runBump(work, { ...inputs, tag: '1.2.4', 'auto-merge': 'squash' }, env)
    expect(second.errors).toEqual([])
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(pushed)
    const mutations = api.requests.filter((r) => r.path === '/graphql')
    expect(mutations.at(-1)?.body.variables).toMatchObject({ expectedHeadOid: second.outputs['commit-sha'] })
    expect(second.outputs['auto-merge']).toBe('enabled')
  })
})

// The state that merges is the pull request's branch: an older image stacked on a newer one there
// would win at the merge, however it compares with the base branch's pin (vote:1.0.0 here).
describe('the order and the hold with a pull request open', () => {
  it('refuses an image older than the one the pull request pins (changed=false, refused=older, the branch unchanged), and stacks a newer one', async () => {
    const { box, work, env } = await setUp()
    const newer = await runBump(work, { ...inputs, tag: '1.3.0' }, env)
    expect(newer.outputs).toMatchObject({ changed: 'true', 'pull-request-url': PULL, refused: '' })
    const head = box.remoteHead(BRANCH)

    // Older than the pull request's 1.3.0, though newer than the base's 1.0.0.
    const older = await runBump(work, { ...inputs, tag: '1.2.5' }, env)
    expect(older.errors).toEqual([])
    expect(older.outputs).toMatchObject({ changed: 'false', 'commit-sha': '', refused: 'older', order: 'older', 'pull-request-url': PULL })
    expect(box.remoteHead(BRANCH)).toBe(head)
    expect(box.remoteFile(VOTE, BRANCH)).toContain('vote:1.3.0')
    const said = `the pins on branch ${BRANCH} of the open pull request ${PULL}, which is what merges`
    expect(older.stdout).toContain(`::warning::${REGISTRY}/vote:1.2.5: refused: the new image is older than the deployed one (1.2.5 is older than 1.3.0`)
    expect(older.stdout).toContain(`; compared with ${said}`)
    expect(older.summary).toContain('| pinned on the pull request\'s branch | new image | order | hold |')
    expect(older.summary).toContain(`Compared with ${said}.`)
    expect(JSON.parse(older.outputs.receipt ?? '')).toMatchObject({ commit: '', refused: 'older', pullRequest: PULL, previousImage: [`${REGISTRY}/vote:1.3.0`], comparedWith: said })

    const stacked = await runBump(work, { ...inputs, tag: '1.4.0' }, env)
    expect(stacked.errors).toEqual([])
    expect(stacked.outputs).toMatchObject({ changed: 'true', order: 'newer', refused: '', 'pull-request-url': PULL })
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(head)
    expect(box.remoteFile(VOTE, BRANCH)).toContain('vote:1.4.0')
    expect(JSON.parse(stacked.outputs.receipt ?? '')).toMatchObject({ previousImage: [`${REGISTRY}/vote:1.3.0`], comparedWith: said })
  })

  it('refuses the older image the same way with commit-method api, creating no commit through the API', async () => {
    const { box, api, work, env } = await setUp()
    const viaApi = { ...inputs, 'commit-method': 'api' }
    expect((await runBump(work, { ...viaApi, tag: '1.3.0' }, env)).outputs).toMatchObject({ changed: 'true', 'pull-request-url': PULL })
    const head = box.remoteHead(BRANCH)
    const before = api.requests.length

    const older = await runBump(work, { ...viaApi, tag: '1.2.5' }, env)
    expect(older.errors).toEqual([])
    expect(older.outputs).toMatchObject({ changed: 'false', refused: 'older', 'pull-request-url': PULL })
    expect(box.remoteHead(BRANCH)).toBe(head)
    // It read the branch through the API and wrote nothing: no blob, tree, commit or ref update.
    const writes = api.requests.slice(before).filter((r) => r.method !== 'GET')
    expect(writes).toEqual([])
    expect((await runBump(work, { ...viaApi, tag: '1.4.0' }, env)).outputs).toMatchObject({ changed: 'true', refused: '' })
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(head)
  })

  it('skips a pipeline bump while a rollback on the pull request\'s branch holds the service (refused=held)', async () => {
    const { box, api, work, env } = await setUp()
    expect((await runBump(work, { ...inputs, tag: '1.3.0' }, env)).outputs).toMatchObject({ changed: 'true' })
    // The rollback goes into the same pull request, so the hold is on its branch, not yet on the base.
    const rollback = await runBump(work, { ...inputs, tag: '1.2.0', 'allow-downgrade': 'true' }, env)
    expect(rollback.outputs).toMatchObject({ changed: 'true', order: 'older', refused: '' })
    expect(JSON.parse(rollback.outputs.hold ?? '')).toMatchObject({ service: 'vote', image: `${REGISTRY}/vote:1.2.0` })
    const head = box.remoteHead(BRANCH)
    // The pull request's body is the commit message after its subject, the hold's trailer included,
    // so a squash merge that takes the body keeps the hold in the history.
    expect(git(box.remote, 'log', '-1', '--format=%B', head)).toContain('Deploy-Hold: ')
    expect(api.pulls[0]?.body).toContain('Deploy-Hold: ')

    const pipeline = await runBump(work, { ...inputs, tag: '1.4.0' }, env)
    expect(pipeline.errors).toEqual([])
    expect(pipeline.outputs).toMatchObject({ changed: 'false', refused: 'held', order: 'newer', 'pull-request-url': PULL })
    expect(box.remoteHead(BRANCH)).toBe(head)
    expect(box.remoteFile(VOTE, BRANCH)).toContain('vote:1.2.0')
  })
})

describe('no open pull request', () => {
  it('rebuilds a closed pull request\'s leftover branch on the base, forced, and opens a new pull request', async () => {
    const { box, api, work, env } = await setUp()
    const first = await runBump(work, inputs, env)
    expect(first.errors).toEqual([])
    api.pulls[0]!.state = 'closed'
    const base = landOnRemote(box, 'main')
    const second = await runBump(work, { ...inputs, tag: '1.2.4' }, env)
    expect(second.errors).toEqual([])
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(base)
    expect(second.outputs['pull-request-url']).toBe('https://github.example/octo/gitops/pull/2')
    expect(api.pulls.map((p) => `${p.number} ${p.state}`)).toEqual(['1 closed', '2 open'])
  })

  it('finds and updates the pull request another run opened between the look-up and the create (422 "A pull request already exists")', async () => {
    const { api, work, env } = await setUp({
      beforeCreate: (pulls) => pulls.push({ number: 1, title: 'the other run', body: '', head: BRANCH, base: 'main', state: 'open' }),
    })
    const run = await runBump(work, inputs, env)
    expect(run.errors).toEqual([])
    expect(run.outputs['pull-request-url']).toBe(PULL)
    expect(api.pulls).toEqual([expect.objectContaining({ number: 1, title: `deploy(vote): ${REGISTRY}/vote 1.2.3 → production` })])
    expect(api.requests.map((r) => `${r.method} ${r.path.split('?')[0]}`)).toEqual([
      'GET /repos/octo/gitops/pulls',
      'POST /repos/octo/gitops/pulls',
      'GET /repos/octo/gitops/pulls',
      'PATCH /repos/octo/gitops/pulls/1',
    ])
  })

  it('leaves the other run\'s title when its commit replaced this one on the branch, and warns', async () => {
    const remote: { box?: Sandbox } = {} // the sandbox exists only once setUp returns
    const { box, api, work, env } = await setUp({
      beforeCreate: (pulls) => {
        landOnRemote(remote.box!, BRANCH)
        pulls.push({ number: 1, title: 'the other run', body: '', head: BRANCH, base: 'main', state: 'open' })
      },
    })
    remote.box = box
    const run = await runBump(work, inputs, env)
    expect(run.exitCode).toBe(0)
    expect(run.outputs['pull-request-url']).toBe(PULL)
    expect(api.pulls[0]?.title).toBe('the other run')
    expect(run.stdout).toContain(`::warning::Pull request ${PULL} was opened by another run meanwhile; its head is now ${box.remoteHead(BRANCH)}`)
  })
})

describe('GITHUB_TOKEN while Actions may not create pull requests', () => {
  it('fails naming the setting and the App token, after reporting the commit that is on the branch', async () => {
    const { box, api, work, env } = await setUp({ actionsCanCreatePullRequests: false })
    const head = box.remoteHead()
    const run = await runBump(work, inputs, env)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toBe(
      `pull request from ${BRANCH} to main not opened (HTTP 403 "GitHub Actions is not permitted to create or approve pull requests."): ` +
        'GITHUB_TOKEN may not open pull requests in this repository. Either turn on Settings > Actions > General > Workflow permissions > ' +
        '"Allow GitHub Actions to create and approve pull requests" (in an organization its own Actions setting must allow it first), ' +
        'or, better, pass a GitHub App installation token as the token input: a pull request opened with GITHUB_TOKEN starts no ' +
        `pull_request workflow, so its required checks never report and auto-merge waits forever. The commit ${run.outputs['commit-sha']} is on branch ${BRANCH}.`,
    )
    expect(run.outputs).toMatchObject({ changed: 'true', 'pull-request-url': '' })
    expect(box.remoteHead(BRANCH)).toBe(run.outputs['commit-sha'])
    expect(box.remoteHead()).toBe(head)
    expect(api.pulls).toEqual([])
  })
})
