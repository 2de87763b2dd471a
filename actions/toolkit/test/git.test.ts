import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  authConfigEntries,
  basicCredential,
  classifyPushFailure,
  configEnvironment,
  Git,
  isRetryablePushError,
  PushRejectedError,
  pushFailureHelp,
} from '../src/git'

describe('authentication through the environment', () => {
  it('encodes the credential GitHub expects', () => {
    expect(basicCredential('ghs_abc')).toBe(Buffer.from('x-access-token:ghs_abc').toString('base64'))
  })

  it('resets a previous extraheader for the server before adding its own', () => {
    expect(authConfigEntries({ token: 't0k', serverUrl: 'https://github.com/' })).toEqual([
      { key: 'http.https://github.com/.extraheader', value: '' },
      { key: 'http.https://github.com/.extraheader', value: `AUTHORIZATION: basic ${basicCredential('t0k')}` },
    ])
  })

  it('extends an existing GIT_CONFIG_COUNT instead of overwriting it', () => {
    const entries = [
      { key: 'a.b', value: '1' },
      { key: 'c.d', value: '2' },
    ]
    expect(configEnvironment({ GIT_CONFIG_COUNT: '2' }, entries)).toEqual({
      GIT_CONFIG_COUNT: '4',
      GIT_CONFIG_KEY_2: 'a.b',
      GIT_CONFIG_VALUE_2: '1',
      GIT_CONFIG_KEY_3: 'c.d',
      GIT_CONFIG_VALUE_3: '2',
    })
    expect(configEnvironment({}, entries).GIT_CONFIG_COUNT).toBe('2')
  })
})

// GitHub's own words, as its users quoted them (the pages are the source of each case):
const GITHUB = {
  // https://github.com/DefangLabs/defang/pull/2280, https://github.com/yshavit/mdq/pull/255
  ruleset: [
    'remote: error: GH013: Repository rule violations found for refs/heads/main.',
    'remote: Review all repository rules at https://github.com/o/r/rules?ref=refs%2Fheads%2Fmain',
    'remote: ',
    'remote: - Cannot force-push to this branch',
    'remote: ',
    'remote: - Changes must be made through a pull request.',
    'remote: ',
    'To https://github.com/o/r',
    ' ! [remote rejected] main -> main (push declined due to repository rule violations)',
    "error: failed to push some refs to 'https://github.com/o/r'",
  ].join('\n'),
  protected: 'remote: error: GH006: Protected branch update failed for refs/heads/main.\n ! [remote rejected] main -> main (protected branch hook declined)',
  // https://docs.github.com/code-security/secret-scanning/pushing-a-branch-blocked-by-push-protection, as quoted in https://github.com/palxiao/poster-design/issues/140
  secret: [
    'remote: error: GH013: Repository rule violations found for refs/heads/main.',
    'remote:',
    'remote: - GITHUB PUSH PROTECTION',
    'remote: —————————————————————————————————————————',
    'remote: Resolve the following violations before pushing again',
    'remote:',
    'remote: - Push cannot contain secrets',
    ' ! [remote rejected] main -> main (push declined due to repository rule violations)',
  ].join('\n'),
  // https://github.com/git-lfs/git-lfs/issues/6330
  largeFile: [
    "remote: error: File images/big.zip is 301.74 MB; this exceeds GitHub's file size limit of 100.00 MB",
    'remote: error: GH001: Large files detected. You may want to try Git Large File Storage - https://git-lfs.github.com/.',
    ' ! [remote rejected] main -> main (pre-receive hook declined)',
  ].join('\n'),
  // https://gist.github.com/gengwg/ef9a073a6fd845786d5993914439c946
  emailPrivacy: [
    'remote: error: GH007: Your push would publish a private email address.',
    'remote: You can make your email public or disable this protection by visiting:',
    'remote: http://github.com/settings/emails',
    ' ! [remote rejected] master -> master (push declined due to email privacy restrictions)',
  ].join('\n'),
  // https://github.com/rtyley/bfg-repo-cleaner/issues/403
  pack: 'remote: fatal: pack exceeds maximum allowed size\nerror: remote unpack failed: index-pack abnormal exit\n ! [remote rejected] gh-pages -> gh-pages (failed)',
  // https://github.com/desktop/desktop/issues/16398 (during a GitHub incident)
  commitRefs: 'remote: fatal error in commit_refs\nTo https://github.com/o/r.git\n! [remote rejected] main -> main (failure)',
  // https://github.com/LSSTDESC/descwl-shear-sims/issues/64
  remoteFailure: 'remote: Internal Server Error\n ! [remote failure]  positions -> positions (remote failed to report status)',
  // https://github.com/go-gitea/gitea/issues/31339 (git's own words for an HTTP 500 answer to the pack)
  http500: 'error: RPC failed; HTTP 500 curl 22 The requested URL returned error: 500\nsend-pack: unexpected disconnect while reading sideband packet\nfatal: the remote end hung up unexpectedly',
}

describe('classifyPushFailure', () => {
  it.each([
    [' ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs', 'non-fast-forward'],
    [' ! [rejected]        HEAD -> main (non-fast-forward)', 'non-fast-forward'],
    ['error: cannot lock ref \'refs/heads/main\': is at 1234 but expected 5678', 'non-fast-forward'],
    [GITHUB.protected, 'protected-branch'],
    [GITHUB.ruleset, 'protected-branch'],
    [GITHUB.secret, 'secret-scanning'],
    [GITHUB.largeFile, 'large-file'],
    [GITHUB.emailPrivacy, 'email-privacy'],
    [GITHUB.pack, 'pack-too-large'],
    [GITHUB.commitRefs, 'transient'],
    [GITHUB.remoteFailure, 'transient'],
    [GITHUB.http500, 'transient'],
    ['!\trefs/heads/main:refs/heads/main\t[remote rejected] (failed)', 'transient'],
    ['error: RPC failed; HTTP 429 curl 22 The requested URL returned error: 429', 'transient'],
    // A 408 is transient by the toolkit's one status rule (transient-faults.ts), in git's words as in a response.
    ['error: RPC failed; HTTP 408 curl 22 The requested URL returned error: 408', 'transient'],
    ['error: RPC failed; HTTP 400 curl 22 The requested URL returned error: 400', 'other'],
    ["fatal: unable to access 'https://github.com/o/r.git/': Could not resolve host: github.com", 'transient'],
    [' ! [remote rejected] main -> main (pre-receive hook declined)', 'hook-declined'],
    ['remote: error: GH012: something new\n ! [remote rejected] main -> main (pre-receive hook declined)', 'hook-declined'],
    ["fatal: Authentication failed for 'https://github.com/o/r.git/'", 'authentication'],
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", 'authentication'],
    ['remote: Permission to o/r.git denied to bot.\nfatal: unable to access: The requested URL returned error: 403', 'authentication'],
    ["fatal: 'nowhere' does not appear to be a git repository", 'other'],
  ])('%s -> %s', (output, kind) => {
    expect(classifyPushFailure(output)).toBe(kind)
  })

  it('retries only non-fast-forward and transient failures', () => {
    expect(isRetryablePushError(new PushRejectedError('non-fast-forward', '', 'x:main'))).toBe(true)
    expect(isRetryablePushError(new PushRejectedError('transient', '', 'x:main'))).toBe(true)
    for (const kind of ['protected-branch', 'secret-scanning', 'large-file', 'email-privacy', 'pack-too-large', 'hook-declined', 'authentication', 'other'] as const) {
      expect(isRetryablePushError(new PushRejectedError(kind, '', 'x:main'))).toBe(false)
    }
    expect(isRetryablePushError(new Error('non-fast-forward'))).toBe(false)
  })

  it('says what each rejection is and what helps', () => {
    expect(pushFailureHelp('protected-branch')).toMatch(/pull-request mode/)
    for (const kind of ['secret-scanning', 'large-file', 'email-privacy', 'pack-too-large'] as const) expect(pushFailureHelp(kind)).not.toMatch(/use pull-request mode/)
    expect(pushFailureHelp('secret-scanning')).toMatch(/secret/)
    expect(pushFailureHelp('large-file')).toMatch(/100 MB/)
    expect(pushFailureHelp('email-privacy')).toMatch(/noreply/)
  })

  it('names the way around each rule a ruleset or protection rule lists', () => {
    // "- Required status check "pre-commit" is expected." as in https://github.com/mxcube/mxcubecore/issues/891
    const checks = 'remote: error: GH013: Repository rule violations found for refs/heads/develop.\nremote: - Required status check "pre-commit" is expected.'
    expect(pushFailureHelp('protected-branch', checks)).toMatch(/\. Here status checks are required: pull-request mode with an App token/)
    expect(pushFailureHelp('protected-branch', GITHUB.ruleset)).toMatch(/\. Here a pull request is required: pull-request mode \(with auto-merge\)$/)
    const signatures = pushFailureHelp('protected-branch', `${GITHUB.ruleset}\nremote: - Commits must have verified signatures.`)
    expect(signatures).toMatch(/a pull request is required: .*; signed commits are required: commit-method api/)
    // Nothing listed: the general advice alone.
    expect(pushFailureHelp('protected-branch', GITHUB.protected)).toBe(pushFailureHelp('protected-branch'))
  })

  it("puts git's porcelain reason first and keeps the whole remote: block", () => {
    // `git push --porcelain`: status lines on stdout, the remote's words on stderr.
    const stdout = 'To https://github.com/o/r\n!\tabc123:refs/heads/main\t[remote rejected] (push declined due to repository rule violations)\nDone\n'
    const stderr = GITHUB.ruleset.split('\n').filter((line) => line.startsWith('remote:')).join('\n')
    const error = new PushRejectedError(classifyPushFailure(`${stdout}\n${stderr}`), `${stdout}\n${stderr}`, 'abc123:main')
    const lines = error.message.split('\n')
    expect(lines[0]).toBe('push of abc123:main rejected: abc123:refs/heads/main [remote rejected] (push declined due to repository rule violations)')
    expect(lines[1]).toBe(pushFailureHelp('protected-branch', stderr))
    expect(lines[1]).toMatch(/Here a pull request is required/)
    // Nine lines of remote: block, the rule lines included (the last-8-lines cut dropped the first).
    expect(lines.slice(2)).toEqual(stderr.split('\n').map((line) => line.trimEnd()))
    expect(error.message).toContain('- Changes must be made through a pull request.')
    expect(error.message).not.toContain('Done')
  })
})

describe('Git against real repositories', () => {
  let dir: string
  let remote: string
  let work: string
  const sh = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim()
  const author = { name: 'Test Bot', email: 'bot@example.com' }

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'git-test-'))
    remote = join(dir, 'remote.git')
    work = join(dir, 'work')
    sh(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote)
    sh(dir, 'clone', '--quiet', remote, work)
    sh(work, 'config', 'user.name', 'x')
    sh(work, 'config', 'user.email', 'x@example.com')
    writeFileSync(join(work, 'a.yaml'), 'a: 1\n')
    writeFileSync(join(work, 'run.sh'), '#!/bin/sh\n')
    chmodSync(join(work, 'run.sh'), 0o755)
    sh(work, 'add', '.')
    sh(work, 'commit', '--quiet', '-m', 'init')
    sh(work, 'push', '--quiet', 'origin', 'main')
  })
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('builds a commit that changes only the given files, keeping file modes, without touching the work tree', async () => {
    const git = new Git(work, { quiet: true })
    const head = await git.revParse('HEAD')
    const commit = await git.createCommit(head, [{ path: 'run.sh', content: '#!/bin/sh\necho hi\n' }], 'change run.sh\n', author)
    expect(sh(work, 'diff-tree', '--no-commit-id', '--name-only', '-r', commit)).toBe('run.sh')
    expect(sh(work, 'ls-tree', commit, 'run.sh')).toMatch(/^100755 /)
    expect(sh(work, 'log', '-1', '--format=%an <%ae>|%cn|%s', commit)).toBe('Test Bot <bot@example.com>|Test Bot|change run.sh')
    expect(sh(work, 'status', '--porcelain')).toBe('')
    expect(await git.tryShow(commit, 'run.sh')).toBe('#!/bin/sh\necho hi\n')
    expect(await git.tryShow(commit, 'missing.yaml')).toBeUndefined()
    // fast-import's private ref is gone again.
    expect(sh(work, 'for-each-ref', 'refs/bump-manifest')).toBe('')
  })

  it('writes paths with spaces, quotes and backslashes, and several files in one commit', async () => {
    const git = new Git(work, { quiet: true })
    const head = await git.revParse('HEAD')
    const odd = 'deploy/my "odd" \\ dir/values file.yaml'
    const commit = await git.createCommit(head, [{ path: odd, content: 'a: 1\n' }, { path: 'a.yaml', content: 'a: 9\n' }], 'two files\n', author)
    expect(sh(work, 'diff-tree', '--no-commit-id', '--name-only', '-z', '-r', commit).split('\0').filter(Boolean).sort()).toEqual(['a.yaml', odd].sort())
    expect((await git.readFiles(commit, [odd, 'a.yaml'])).get(odd)).toBe('a: 1\n')
    expect(sh(work, 'rev-parse', `${commit}^`)).toBe(head)
  })

  it('reports the branch, or undefined on a detached HEAD', async () => {
    const git = new Git(work, { quiet: true })
    expect(await git.tryCurrentBranch()).toBe('main')
    const other = join(dir, 'detached')
    sh(dir, 'clone', '--quiet', remote, other)
    sh(other, 'checkout', '--quiet', '--detach')
    expect(await new Git(other, { quiet: true }).tryCurrentBranch()).toBeUndefined()
    expect(await git.remoteExists('origin')).toBe(true)
    expect(await git.remoteExists('nope')).toBe(false)
  })

  it('classifies a real non-fast-forward and a real hook rejection', async () => {
    const git = new Git(work, { quiet: true })
    const tip = await git.fetchBranch('origin', 'main')
    const first = await git.createCommit(tip, [{ path: 'a.yaml', content: 'a: 2\n' }], 'one\n', author)
    const second = await git.createCommit(tip, [{ path: 'a.yaml', content: 'a: 3\n' }], 'two\n', author)
    await git.push('origin', first, 'main')
    const rejected = await git.push('origin', second, 'main').catch((e: unknown) => e)
    expect(rejected).toBeInstanceOf(PushRejectedError)
    expect((rejected as PushRejectedError).kind).toBe('non-fast-forward')

    const hook = join(remote, 'hooks', 'pre-receive')
    writeFileSync(hook, '#!/bin/sh\necho "protected: no direct pushes" >&2\nexit 1\n')
    chmodSync(hook, 0o755)
    try {
      const next = await git.createCommit(first, [{ path: 'a.yaml', content: 'a: 4\n' }], 'three\n', author)
      const declined = await git.push('origin', next, 'main').catch((e: unknown) => e)
      expect((declined as PushRejectedError).kind).toBe('hook-declined')
      expect((declined as Error).message).toMatch(/protected: no direct pushes/)
    } finally {
      rmSync(hook)
    }
  })

  it('reads several files at a commit in one cat-file process, bytes intact, absent files left out', async () => {
    const git = new Git(work, { quiet: true })
    const tip = await git.fetchBranch('origin', 'main')
    const text = 'name: "café ☕"\nempty: ""\n'
    const commit = await git.createCommit(tip, [{ path: 'dir/ü.yaml', content: text }], 'unicode\n', author)
    const files = await git.readFiles(commit, ['a.yaml', 'dir/ü.yaml', 'missing.yaml', 'dir', 'run.sh'])
    expect([...files.keys()]).toEqual(['a.yaml', 'dir/ü.yaml', 'run.sh'])
    expect(files.get('dir/ü.yaml')).toBe(text)
    expect(files.get('run.sh')).toBe('#!/bin/sh\n')
    expect(await git.isAncestor(tip, commit)).toBe(true)
    expect(await git.isAncestor(commit, tip)).toBe(false)
    expect(await git.isAncestor(commit, commit)).toBe(true)
  })

  it('reads the fetched tip, its files and their modes in one cat-file process, and commits with those modes without ls-tree', async () => {
    const git = new Git(work, { quiet: true })
    const tip = await git.fetchBranch('origin', 'main')
    const nested = await git.createCommit(tip, [{ path: 'dir/tool.sh', content: '#!/bin/sh\n' }], 'nested\n', author)
    sh(work, 'update-ref', 'refs/remotes/origin/snap', nested)
    const snap = await git.readSnapshot('refs/remotes/origin/snap', ['run.sh', 'a.yaml', 'dir/tool.sh', 'missing.yaml', 'dir/missing.yaml'])
    expect(snap.commit).toBe(nested)
    expect([...snap.files.keys()]).toEqual(['run.sh', 'a.yaml', 'dir/tool.sh'])
    expect(snap.files.get('a.yaml')).toBe(sh(work, 'cat-file', 'blob', `${nested}:a.yaml`) + '\n')
    expect(Object.fromEntries(snap.modes)).toEqual({ 'run.sh': '100755', 'a.yaml': '100644', 'dir/tool.sh': '100644' })
    await expect(git.readSnapshot('refs/remotes/origin/none', ['a.yaml'])).rejects.toThrow('does not name a commit')
    // Modes given are the modes written: no ls-tree reads them again (an executable stays one).
    const trace = join(dir, 'trace.json')
    const traced = new Git(work, { quiet: true, env: { GIT_TRACE2_EVENT: trace } })
    const commit = await traced.createCommit(nested, [{ path: 'run.sh', content: '#!/bin/sh\necho 2\n' }], 'mode kept\n', author, snap.modes)
    expect(sh(work, 'ls-tree', commit, 'run.sh')).toMatch(/^100755 /)
    expect(readFileSync(trace, 'utf8')).not.toContain('"ls-tree"')
    sh(work, 'update-ref', '-d', 'refs/remotes/origin/snap')
  })

  it('turns off automatic gc and maintenance for its own calls', async () => {
    const git = new Git(work, { quiet: true })
    expect((await git.run(['config', 'gc.auto'])).stdout.trim()).toBe('0')
    expect((await git.run(['config', 'maintenance.auto'])).stdout.trim()).toBe('false')
    expect(sh(work, 'config', '--list', '--local')).not.toMatch(/gc\.auto|maintenance\.auto/)
  })

  it('sorts a host that does not resolve as transient (git\'s own words)', async () => {
    const git = new Git(work, { quiet: true })
    const tip = await git.revParse('HEAD')
    // .invalid never resolves (RFC 2606), so this fails the way a DNS outage does.
    const failed = await git.push('https://github.invalid/o/r.git', tip, 'main').catch((e: unknown) => e)
    expect((failed as PushRejectedError).kind).toBe('transient')
    expect((failed as Error).message).toMatch(/^push of [0-9a-f]{40}:main rejected: fatal: unable to access .*Could not resolve host: github\.invalid/)
  })

  it('passes the token to git in the environment, never in argv', async () => {
    const git = new Git(work, { quiet: true, auth: { token: 'tok-123', serverUrl: 'https://git.example.com' } })
    // `git config --get-all` reads the GIT_CONFIG_* entries exactly as a push would.
    const result = await git.run(['config', '--get-all', 'http.https://git.example.com/.extraheader'])
    expect(result.stdout).toBe(`\nAUTHORIZATION: basic ${basicCredential('tok-123')}\n`)
    expect(sh(work, 'config', '--list', '--local')).not.toContain('extraheader')
  })
})
