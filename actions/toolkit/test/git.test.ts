import { execFileSync } from 'node:child_process'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
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

describe('classifyPushFailure', () => {
  it.each([
    [' ! [rejected]        main -> main (fetch first)\nerror: failed to push some refs', 'non-fast-forward'],
    [' ! [rejected]        HEAD -> main (non-fast-forward)', 'non-fast-forward'],
    ['error: cannot lock ref \'refs/heads/main\': is at 1234 but expected 5678', 'non-fast-forward'],
    ['remote: error: GH006: Protected branch update failed for refs/heads/main.', 'protected-branch'],
    ['remote: error: GH013: Repository rule violations found for refs/heads/main.', 'protected-branch'],
    [' ! [remote rejected] main -> main (pre-receive hook declined)', 'hook-declined'],
    ["fatal: Authentication failed for 'https://github.com/o/r.git/'", 'authentication'],
    ["fatal: could not read Username for 'https://github.com': terminal prompts disabled", 'authentication'],
    ['remote: Permission to o/r.git denied to bot.\nfatal: unable to access: The requested URL returned error: 403', 'authentication'],
    ["fatal: 'nowhere' does not appear to be a git repository", 'other'],
  ])('%s -> %s', (output, kind) => {
    expect(classifyPushFailure(output)).toBe(kind)
  })

  it('retries only non-fast-forward rejections', () => {
    expect(isRetryablePushError(new PushRejectedError('non-fast-forward', '', 'x:main'))).toBe(true)
    for (const kind of ['protected-branch', 'hook-declined', 'authentication', 'other'] as const) {
      expect(isRetryablePushError(new PushRejectedError(kind, '', 'x:main'))).toBe(false)
    }
    expect(isRetryablePushError(new Error('non-fast-forward'))).toBe(false)
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

  it('passes the token to git in the environment, never in argv', async () => {
    const git = new Git(work, { quiet: true, auth: { token: 'tok-123', serverUrl: 'https://git.example.com' } })
    // `git config --get-all` reads the GIT_CONFIG_* entries exactly as a push would.
    const result = await git.run(['config', '--get-all', 'http.https://git.example.com/.extraheader'])
    expect(result.stdout).toBe(`\nAUTHORIZATION: basic ${basicCredential('tok-123')}\n`)
    expect(sh(work, 'config', '--list', '--local')).not.toContain('extraheader')
  })
})
