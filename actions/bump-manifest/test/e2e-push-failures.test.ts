// How the bundle meets the push failures GitHub really produces, against real git remotes: a git
// http-backend stand-in that loses answers or fails the ref update the way GitHub does, and
// pre-receive hooks that print GitHub's own rejection texts (sources quoted beside each).
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github'
import { startGitHttpServer, type GitHttpServer, type PushAnswer } from '@aks-gitops/test-support/git-http-server'
import { deployment, git, preReceiveHook, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const TOKEN = 'ghs_PushFailureT0ken'
const VOTE = 'k8s/vote-deployment.yaml'
const inputs = { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'max-attempts': '4' }

let box: Sandbox | undefined
let http: GitHttpServer | undefined
let api: FakeGitHub | undefined
afterEach(async () => {
  await http?.close()
  await api?.close()
  box?.remove()
  http = api = box = undefined
})

/** A clone whose origin is the HTTP stand-in, answering push n with answers[n - 1] (then normally). */
async function httpClone(answers: PushAnswer[], fetches: 'server-error'[] = []): Promise<string> {
  box = sandbox({ [VOTE]: deployment('vote') })
  http = await startGitHttpServer(box.dir, TOKEN, { answer: (n) => answers[n - 1] ?? 'normal', fetchAnswer: (n) => fetches[n - 1] ?? 'normal' })
  const work = box.clone()
  git(work, 'remote', 'set-url', 'origin', `${http.url}/remote.git`)
  return work
}

describe('transient push failures', () => {
  it('reports a push whose answer was lost (HTTP 500 after the ref moved) as landed, and never pushes it again', async () => {
    const work = await httpClone(['applied-then-500'])
    const seed = box!.remoteHead()
    const run = await runBump(work, inputs, { GITHUB_SERVER_URL: http!.url })
    expect(run.errors).toEqual([])
    expect(run.outputs.changed).toBe('true')
    expect(run.outputs.attempts).toBe('2')
    // git's own words for the lost answer, then the check that found the commit on the branch.
    expect(run.stdout).toContain('error: RPC failed; HTTP 500')
    expect(run.stdout).toMatch(/The push of [0-9a-f]{40} in attempt 1 got no answer, but the commit is on "main": it landed/)
    // One push reached the server; one commit on main, and it is the one reported.
    expect(http!.pushes).toBe(1)
    expect(git(box!.remote, 'rev-list', `${seed}..main`)).toBe(run.outputs['commit-sha'])
    expect(box!.remoteFile(VOTE)).toContain('vote:1.2.3  # pinned')
    expect(git(work, 'rev-parse', 'HEAD')).toBe(run.outputs['commit-sha'])
  })

  it.each([
    // https://github.com/desktop/desktop/issues/16398: "remote: fatal error in commit_refs" / "! [remote rejected] main -> main (failure)"
    ['commit-refs-failure', /remote: fatal error in commit_refs/],
    // GitHub's other ref-update status, "! [remote rejected] main -> main (failed)" (https://github.com/rtyley/bfg-repo-cleaner/issues/403 shows the form)
    ['ref-update-failed', /\[remote rejected\] \(failed\)/],
    // git's words for a 429 or 500 answer to the pack (https://github.com/go-gitea/gitea/issues/31339 for the 500)
    ['throttled', /RPC failed; HTTP 429/],
    ['server-error', /RPC failed; HTTP 500/],
  ] as const)('tries again after "%s", and lands one commit', async (answer, said) => {
    const work = await httpClone([answer])
    const seed = box!.remoteHead()
    const run = await runBump(work, inputs, { GITHUB_SERVER_URL: http!.url })
    expect(run.errors).toEqual([])
    expect(run.stdout).toMatch(said)
    expect(run.stdout).toContain('Attempt 1 failed with a transient error')
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(http!.pushes).toBe(2)
    expect(git(box!.remote, 'rev-list', `${seed}..main`)).toBe(run.outputs['commit-sha'])
  })

  it('tries again when the fetch that starts an attempt gets a 500', async () => {
    const work = await httpClone([], ['server-error'])
    const run = await runBump(work, inputs, { GITHUB_SERVER_URL: http!.url })
    expect(run.errors).toEqual([])
    expect(run.stdout).toMatch(/Attempt 1 failed with a transient error[^\n]*\ncannot fetch branch "main" from origin: .*\n.*The requested URL returned error: 500/)
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(http!.pushes).toBe(1)
    expect(box!.remoteHead()).toBe(run.outputs['commit-sha'])
  })

  it('gives up after max-attempts when the server keeps failing, with nothing pushed', async () => {
    const work = await httpClone(['commit-refs-failure', 'commit-refs-failure'])
    const seed = box!.remoteHead()
    const run = await runBump(work, { ...inputs, 'max-attempts': '2' }, { GITHUB_SERVER_URL: http!.url })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors[0]).toMatch(/^gave up after 2 attempts: push of [0-9a-f]{40}:main rejected: [0-9a-f]{40}:refs\/heads\/main \[remote rejected\] \(failure\)\nthe server failed or could not be reached \(a transient error\)\nremote: fatal error in commit_refs\n/)
    expect(run.outputs.attempts).toBe('2')
    expect(box!.remoteHead()).toBe(seed)
  })
})

// Each rejection as GitHub's hooks print it (stderr of a pre-receive hook reaches git as "remote:").
const REJECTIONS = [
  {
    what: 'a ruleset listing several rules (GH013)',
    // https://github.com/JRedrupp/bison/issues/136
    hook: [
      'error: GH013: Repository rule violations found for refs/heads/main.',
      'Review all repository rules at https://github.com/o/r/rules?ref=refs%2Fheads%2Fmain',
      '',
      '- Cannot force-push to this branch',
      '',
      '- Changes must be made through a pull request.',
      '',
      '- Commits must have verified signatures.',
      '',
      '- Required status check "validate" is expected.',
      '',
    ],
    help: /refuses direct pushes; .*\. Here a pull request is required: pull-request mode \(with auto-merge\); signed commits are required: commit-method api .*; status checks are required: pull-request mode with an App token/,
  },
  {
    what: "secret scanning's push protection (GH013)",
    // https://github.com/palxiao/poster-design/issues/140
    hook: ['error: GH013: Repository rule violations found for refs/heads/main.', '', '- GITHUB PUSH PROTECTION', '', 'Resolve the following violations before pushing again', '', '- Push cannot contain secrets'],
    help: /secret scanning's push protection found a secret/,
  },
  {
    what: 'a file over 100 MB (GH001)',
    // https://github.com/git-lfs/git-lfs/issues/6330
    hook: ["error: File k8s/big.bin is 301.74 MB; this exceeds GitHub's file size limit of 100.00 MB", 'error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com/.'],
    help: /over GitHub's 100 MB file size limit/,
  },
  {
    what: 'the e-mail privacy rule (GH007)',
    // https://gist.github.com/gengwg/ef9a073a6fd845786d5993914439c946
    hook: ['error: GH007: Your push would publish a private email address.', 'You can make your email public or disable this protection by visiting:', 'http://github.com/settings/emails'],
    help: /e-mail address is private on GitHub \(GH007\); commit as a noreply address/,
  },
  {
    what: 'a pack over the size limit',
    // https://github.com/desktop/desktop/issues/15336
    hook: ['fatal: pack exceeds maximum allowed size (2.00 GiB)'],
    help: /pushed pack is over the server's size limit/,
  },
]

describe('rejections that another attempt cannot fix', () => {
  it.each(REJECTIONS)('says what $what is, with git\'s reason first and the whole remote: block', async ({ hook, help }) => {
    box = sandbox({ [VOTE]: deployment('vote') })
    const lines = hook.map((line) => `echo '${line.replace(/'/g, "'\\''")}' >&2`).join('\n')
    preReceiveHook(box.remote, `echo x >> "$GIT_DIR/hook-calls"\n${lines}\nexit 1`)
    const work = box.clone()
    const seed = box.remoteHead()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', 'max-attempts': '5' })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    const [reason, why, ...rest] = (run.errors[0] as string).split('\n')
    expect(reason).toMatch(/^push of [0-9a-f]{40}:main rejected: [0-9a-f]{40}:refs\/heads\/main \[remote rejected\] \(pre-receive hook declined\)$/)
    expect(why).toMatch(help)
    // Every line the hook printed, in order (a ruleset's first rules included).
    expect(rest.filter((line) => line.startsWith('remote:')).map((line) => line.replace(/^remote: ?/, ''))).toEqual(hook)
    expect(readFileSync(join(box.remote, 'hook-calls'), 'utf8')).toBe('x\n')
    expect(box.remoteHead()).toBe(seed)
  })
})

describe('commit-method api: transient answers', () => {
  it.each([
    ['a 503', 503, 'Service Unavailable'],
    // A 408 is transient like a 5xx (isTransientGitHubFailure: GitHub's "timeout response",
    // https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts).
    ['a 408, as for a 5xx', 408, 'Server Error'],
  ])('tries again when reading the branch gets %s', async (_, status, message) => {
    box = sandbox({ [VOTE]: deployment('vote') })
    api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote })
    const work = box.clone()
    let reads = 0
    api.gitData!.answerRefRead = () => (++reads === 1 ? { status, data: { message } } : undefined)
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }, { GITHUB_API_URL: api.url })
    expect(run.errors).toEqual([])
    expect(run.stdout).toMatch(new RegExp(`Attempt 1 failed with a transient error[^\\n]*\\ncannot read branch "main" of octo/gitops through the GitHub API: ${message} \\(HTTP ${status}\\)`))
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
  })
})

describe('commit-method api: a ref update whose answer was lost', () => {
  // GitHub answers 502 and 504 now and then (https://github.com/ossf/allstar/issues/57,
  // https://github.com/octokit/request.js/issues/52); after a ref update that may mean it moved.
  it('finds its commit below a later one on the branch, reports it landed, and updates the ref once', async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    const sandboxed = box
    api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote })
    const work = box.clone()
    let lost = false
    api.gitData!.answerAfterRefUpdate = () => {
      if (lost) return undefined
      lost = true
      // Another pipeline lands on top before this run reads the branch again.
      const other = sandboxed.clone('other')
      execFileSync('sh', ['-c', "echo '# later' >> k8s/later.yaml && git add . && git -c user.name=o -c user.email=o@example.com commit --quiet -m later && git push --quiet origin main"], { cwd: other })
      return { status: 502, data: { message: 'Server Error' } }
    }
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }, { GITHUB_API_URL: api.url })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(run.stdout).toMatch(/The push of [0-9a-f]{40} in attempt 1 got no answer, but the commit is on "main": it landed/)
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1)
    expect(git(box.remote, 'log', '--format=%s', 'main').split('\n')).toEqual(['later', `deploy(vote): ${REGISTRY}/vote 1.2.3 in ${VOTE}`, 'seed manifests'])
    expect(git(box.remote, 'rev-parse', 'main^')).toBe(run.outputs['commit-sha'])
  })

  // GitHub stops a request after 10 s with "a timeout response and a "Server Error" message"
  // (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts); a 408
  // is transient like a 5xx (isTransientGitHubFailure), so the same check finds the commit.
  it('treats a 408 after the ref moved like a lost 5xx: finds its commit, reports it landed, updates the ref once', async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote })
    const work = box.clone()
    let answered = false
    api.gitData!.answerAfterRefUpdate = () => (answered ? undefined : ((answered = true), { status: 408, data: { message: 'Server Error' } }))
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', token: TOKEN, 'commit-method': 'api' }, { GITHUB_API_URL: api.url })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ changed: 'true', attempts: '2' })
    expect(run.stdout).toMatch(/The push of [0-9a-f]{40} in attempt 1 got no answer, but the commit is on "main": it landed/)
    expect(api.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1)
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
  })
})
