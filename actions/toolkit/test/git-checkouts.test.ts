// The checkout shapes CI jobs really have: a work tree another uid owns (a `container:` job) and a
// sparse, partial clone (actions/checkout's sparse-checkout: filter blob:none). Real git throughout.
import { execFileSync } from 'node:child_process'
import { chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findWorkTree, Git } from '../src/git'

const sh = (cwd: string, args: string[], env: Record<string, string> = {}): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, ...env } }).trim()
const author = { name: 'Test Bot', email: 'bot@example.com' }

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'git-checkouts-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Chowns a tree to `uid` (as `chown -R` would). */
function chownTree(path: string, uid: number): void {
  execFileSync('chown', ['-R', `${uid}:${uid}`, path])
  chownSync(path, uid, uid)
}

describe('a work tree another user owns (container: jobs)', () => {
  // Root can hand the repository to a throwaway uid, which is what a container job sees: the
  // checkout belongs to the runner's uid, git runs as the container's.
  it.runIf(process.getuid?.() === 0)("trusts only the work tree it is given, and otherwise shows git's own refusal", async () => {
    const repo = join(dir, 'owned-by-another')
    sh(dir, ['init', '--quiet', '--initial-branch=main', repo])
    mkdirSync(join(repo, 'k8s'))
    writeFileSync(join(repo, 'k8s', 'a.yaml'), 'a: 1\n')
    sh(repo, ['add', '.'])
    sh(repo, ['-c', 'user.name=x', '-c', 'user.email=x@example.com', 'commit', '--quiet', '-m', 'init'])
    chownTree(repo, 4242)

    const refused = await new Git(join(repo, 'k8s'), { quiet: true }).topLevel().catch((e: unknown) => e)
    expect((refused as Error).message).toContain(`detected dubious ownership in repository at '${repo}'`)

    expect(findWorkTree(join(repo, 'k8s'))).toBe(repo)
    const git = new Git(join(repo, 'k8s'), { quiet: true, safeDirectory: findWorkTree(join(repo, 'k8s')) })
    expect(await git.topLevel()).toBe(repo)
    expect(await git.tryCurrentBranch()).toBe('main')
    // Only for this action's calls: nothing was written to any config file.
    expect(() => sh(repo, ['status'])).toThrow(/dubious ownership/)

    // Named through a symbolic link (a workspace path that is one): git matches the real path.
    const link = join(dir, 'link-to-owned')
    symlinkSync(repo, link)
    expect(findWorkTree(join(link, 'k8s'))).toBe(repo)
    expect(await new Git(join(link, 'k8s'), { quiet: true, safeDirectory: findWorkTree(join(link, 'k8s')) }).topLevel()).toBe(repo)
  })

  it('finds no work tree outside a repository', () => {
    expect(findWorkTree(dir)).toBeUndefined()
  })
})

describe('a sparse, partial clone (filter blob:none)', () => {
  const FILES = 300
  let remote: string

  /** Objects in a repository's object store, loose and packed. */
  function objects(repo: string): number {
    const counts = Object.fromEntries(sh(repo, ['count-objects', '-v']).split('\n').map((line) => line.split(': ')))
    return Number(counts.count) + Number(counts['in-pack'])
  }

  /** A clone as actions/checkout makes it with `sparse-checkout: k8s` (a partial clone without blobs). */
  function sparseClone(name: string): string {
    const work = join(dir, name)
    sh(dir, ['clone', '--quiet', '--filter=blob:none', '--sparse', `file://${remote}`, work])
    sh(work, ['sparse-checkout', 'set', 'k8s'])
    return work
  }

  beforeAll(() => {
    remote = join(dir, 'many-files.git')
    sh(dir, ['init', '--quiet', '--bare', '--initial-branch=main', remote])
    // The server must allow filters, as GitHub does.
    sh(remote, ['config', 'uploadpack.allowFilter', 'true'])
    const seed = join(dir, 'seed')
    sh(dir, ['clone', '--quiet', remote, seed])
    mkdirSync(join(seed, 'src'))
    mkdirSync(join(seed, 'k8s'))
    for (let i = 0; i < FILES; i++) writeFileSync(join(seed, 'src', `file-${i}.txt`), `file ${i}\n`)
    writeFileSync(join(seed, 'k8s', 'vote.yaml'), 'image: vote:1\n')
    sh(seed, ['add', '.'])
    sh(seed, ['-c', 'user.name=x', '-c', 'user.email=x@example.com', 'commit', '--quiet', '-m', 'seed'])
    sh(seed, ['push', '--quiet', 'origin', 'main'])
  })

  it('builds and pushes a commit without downloading the blobs of the tip tree', async () => {
    // Before: the private-index commit createCommit made (read-tree, update-index, write-tree).
    const before = sparseClone('before')
    const index = { GIT_INDEX_FILE: join(dir, 'before-index') }
    const start = objects(before)
    sh(before, ['read-tree', 'HEAD'], index)
    const blob = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: before, input: 'image: vote:2\n', encoding: 'utf8' }).trim()
    execFileSync('git', ['update-index', '-z', '--index-info'], { cwd: before, input: `100644 ${blob}\tk8s/vote.yaml\0`, env: { ...process.env, ...index } })
    sh(before, ['write-tree'], index)
    // Written here, not fetched: the new blob and the k8s and root trees.
    const fetchedBefore = objects(before) - start - 3

    // After: createCommit and push, the way bump-manifest lands a bump.
    const after = sparseClone('after')
    const git = new Git(after, { quiet: true })
    const baseline = objects(after)
    const tip = await git.fetchBranch('origin', 'main')
    const files = await git.readFiles(tip, ['k8s/vote.yaml'])
    const commit = await git.createCommit(tip, [{ path: 'k8s/vote.yaml', content: (files.get('k8s/vote.yaml') ?? '').replace('1', '2') }], 'bump\n', author)
    await git.push('origin', commit, 'main')
    // Written here: the new blob, the k8s and root trees, the commit.
    const written = 4
    const fetchedAfter = objects(after) - baseline - written
    console.log(`objects fetched for one bump in a ${FILES + 1}-file sparse partial clone: ${fetchedBefore} before (a private index and write-tree), ${fetchedAfter} after (fast-import)`)

    expect(fetchedBefore).toBeGreaterThanOrEqual(FILES)
    // Nothing: the one manifest the bump reads came with the sparse checkout of k8s.
    expect(fetchedAfter).toBe(0)
    expect(sh(remote, ['cat-file', 'blob', 'main:k8s/vote.yaml'])).toBe('image: vote:2')
    expect(sh(remote, ['diff-tree', '--no-commit-id', '--name-only', '-r', 'main'])).toBe('k8s/vote.yaml')
  })
})
