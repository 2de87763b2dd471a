// `source-date-epoch`: the one home of "the image's timestamps are the source commit's committer
// time". Unix seconds, `commit` (read with git at the build context), or empty for the
// SOURCE_DATE_EPOCH environment variable as before the input.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { commitTime } from '../src/commit-time'
import { loadSettings, readSettings } from '../src/inputs'
import { parseSourceDateEpoch } from '../src/reproducible'

const COMMITTED = '2024-01-02T03:04:05Z'
const COMMITTED_SECONDS = String(Date.parse(COMMITTED) / 1000)
let work: string
let saved: NodeJS.ProcessEnv

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_COMMITTER_DATE: COMMITTED, GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z' } }).trim()
}

/** A repository whose one commit has the committer time COMMITTED (the author time differs: %ct is not %at). */
function repository(dir: string): string {
  mkdirSync(join(dir, 'apps/vote'), { recursive: true })
  writeFileSync(join(dir, 'apps/vote/Dockerfile'), 'FROM scratch\n')
  git(dir, 'init', '--quiet')
  git(dir, 'add', '.')
  git(dir, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'the build commit')
  return dir
}

function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}

const env = (workspace: string, extra: Record<string, string> = {}) => ({ GITHUB_WORKSPACE: workspace, GITHUB_REF: 'refs/heads/develop', GITHUB_SHA: 'a'.repeat(40), RUNNER_TEMP: join(work, 'tmp'), ...extra })

beforeEach(() => {
  saved = { ...process.env }
  work = mkdtempSync(join(tmpdir(), 'bx-epoch-'))
})
afterEach(() => {
  process.env = saved
  rmSync(work, { recursive: true, force: true })
})

describe('parseSourceDateEpoch', () => {
  it('takes Unix seconds or commit, and the environment variable when the input is empty', () => {
    expect(parseSourceDateEpoch('1796014437', {})).toEqual({ kind: 'seconds', seconds: '1796014437' })
    expect(parseSourceDateEpoch(' 0 ', {})).toEqual({ kind: 'seconds', seconds: '0' })
    expect(parseSourceDateEpoch('commit', { SOURCE_DATE_EPOCH: '1' })).toEqual({ kind: 'commit' })
    expect(parseSourceDateEpoch('', { SOURCE_DATE_EPOCH: '1700000000' })).toEqual({ kind: 'seconds', seconds: '1700000000' })
    expect(parseSourceDateEpoch('', {})).toBeUndefined()
    // The input wins over the environment.
    expect(parseSourceDateEpoch('5', { SOURCE_DATE_EPOCH: '1700000000' })).toEqual({ kind: 'seconds', seconds: '5' })
  })

  it.each(['-5', '1.5', '1e9', 'HEAD', 'yesterday', '2026-11-30T04:53:57Z', '1234567890123'])('refuses %s with one error naming the input', (value) => {
    expect(() => parseSourceDateEpoch(value, {})).toThrow(
      `Input "source-date-epoch": "${value}" is neither "commit" nor a Unix time in seconds (expected a non-negative integer, e.g. the output of git log -1 --format=%ct)`,
    )
  })

  it('keeps the environment variable\'s own error when the input is empty', () => {
    expect(() => parseSourceDateEpoch('', { SOURCE_DATE_EPOCH: 'yesterday' })).toThrow(/SOURCE_DATE_EPOCH "yesterday" is not a Unix time in seconds/)
  })
})

describe('commitTime', () => {
  it('is the committer time of HEAD, from a subdirectory of the work tree too', async () => {
    const repo = repository(join(work, 'repo'))
    expect(await commitTime(repo)).toBe(COMMITTED_SECONDS)
    expect(await commitTime(join(repo, 'apps/vote'))).toBe(COMMITTED_SECONDS)
  })

  // A container: job runs as root over a checkout the runner's user owns: git refuses such a work
  // tree unless it is a safe.directory.
  it.runIf(process.getuid?.() === 0)('is read from a work tree another uid owns, as in a container job', async () => {
    const repo = repository(join(work, 'owned'))
    execFileSync('chown', ['-R', '4242:4242', repo])
    expect(await commitTime(repo)).toBe(COMMITTED_SECONDS)
  })

  it('is read in a depth-1 clone (the checkout action\'s default), which has its HEAD commit', async () => {
    const repo = repository(join(work, 'repo'))
    git(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '--allow-empty', '-m', 'second')
    git(work, 'clone', '--quiet', '--depth', '1', `file://${repo}`, 'shallow')
    expect(git(join(work, 'shallow'), 'rev-parse', '--is-shallow-repository')).toBe('true')
    expect(await commitTime(join(work, 'shallow'))).toBe(COMMITTED_SECONDS)
  })

  it('fails naming the input outside a git work tree, in a repository with no commit, or for a missing directory', async () => {
    mkdirSync(join(work, 'plain'))
    await expect(commitTime(join(work, 'plain'))).rejects.toThrow(/^Input "source-date-epoch": "commit" reads the commit checked out at the build context, but ".*plain" is not in a git work tree/)
    git(work, 'init', '--quiet', 'empty')
    await expect(commitTime(join(work, 'empty'))).rejects.toThrow(/^Input "source-date-epoch": "commit": the git work tree at ".*empty" has no commit checked out \(git: fatal: /)
    await expect(commitTime(join(work, 'missing'))).rejects.toThrow(/^Input "source-date-epoch": "commit" reads .* but ".*missing" does not exist/)
  })
})

describe('loadSettings', () => {
  it('dates the image with the build context\'s commit: the SOURCE_DATE_EPOCH build argument and the created label', async () => {
    const repo = repository(join(work, 'repo'))
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote', 'source-date-epoch': 'commit' })
    const s = await loadSettings(env(repo, { SOURCE_DATE_EPOCH: '1' }), new Date('2026-01-01T00:00:00Z'))
    expect(s.sourceDateEpoch).toBe(COMMITTED_SECONDS)
    expect(s.labels['org.opencontainers.image.created']).toBe('2024-01-02T03:04:05.000Z')
  })

  it('reads the commit at the context in merge mode too (the index\'s created annotation)', async () => {
    const repo = repository(join(work, 'repo'))
    mkdirSync(join(work, 'layout/blobs'), { recursive: true })
    writeFileSync(join(work, 'layout/index.json'), '{}')
    writeFileSync(join(work, 'layout/oci-layout'), '{}')
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote', mode: 'merge', sources: join(work, 'layout'), 'source-date-epoch': 'commit' })
    expect((await loadSettings(env(repo))).sourceDateEpoch).toBe(COMMITTED_SECONDS)
  })

  it('takes Unix seconds without git, and the environment variable when the input is empty', async () => {
    mkdirSync(join(work, 'apps/vote'), { recursive: true })
    writeFileSync(join(work, 'apps/vote/Dockerfile'), 'FROM scratch\n')
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote', 'source-date-epoch': '1700000000' })
    expect((await loadSettings(env(work, { SOURCE_DATE_EPOCH: '1' }))).sourceDateEpoch).toBe('1700000000')
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote' })
    expect((await loadSettings(env(work, { SOURCE_DATE_EPOCH: '1796014437' }))).sourceDateEpoch).toBe('1796014437')
    expect((await loadSettings(env(work))).sourceDateEpoch).toBeUndefined()
  })

  it('fails before anything runs when the context is not in a git work tree, and readSettings alone refuses commit', async () => {
    mkdirSync(join(work, 'apps/vote'), { recursive: true })
    writeFileSync(join(work, 'apps/vote/Dockerfile'), 'FROM scratch\n')
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote', 'source-date-epoch': 'commit' })
    await expect(loadSettings(env(work))).rejects.toThrow(/Input "source-date-epoch": "commit" reads the commit checked out at the build context, but ".*apps\/vote" is not in a git work tree/)
    expect(() => readSettings(env(work))).toThrow('Input "source-date-epoch": "commit" needs git: read the settings with loadSettings')
  })
})
