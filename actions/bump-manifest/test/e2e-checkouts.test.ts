// The bundle on the checkouts CI jobs really have: a `container:` job whose work tree another uid
// owns (actions/checkout's safe.directory entry is gone once its step ends), and checkout's
// sparse-checkout (a partial clone with filter blob:none).
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { deployment, git, kustomization, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const VOTE = 'k8s/vote-deployment.yaml'
let box: Sandbox | undefined
afterEach(() => {
  box?.remove()
  box = undefined
})

describe('a container job: the work tree belongs to another uid', () => {
  it.runIf(process.getuid?.() === 0)('commits and pushes, trusting the named work tree for its own git calls only', async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    const work = box.clone()
    // The runner's uid checked it out; the container's root runs the step.
    execFileSync('chown', ['-R', '4242:4242', work])
    expect(() => git(work, 'status')).toThrow(/detected dubious ownership/)

    const run = await runBump(work, { 'working-directory': 'k8s', files: 'vote-deployment.yaml', image: `${REGISTRY}/vote`, tag: '1.2.3' })
    expect(run.errors).toEqual([])
    expect(run.outputs.changed).toBe('true')
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
    expect(box.remoteFile(VOTE)).toContain('vote:1.2.3  # pinned')
    // No config file gained a safe.directory entry: git outside the action still refuses.
    expect(() => git(work, 'status')).toThrow(/detected dubious ownership/)
  })

  it.runIf(process.getuid?.() === 0)('orders sha-<7> images by a source checkout another uid owns (source-git-directory)', async () => {
    const overlay = 'k8s-specifications/overlays/production/kustomization.yaml'
    box = sandbox({ [overlay]: kustomization(['vote']) })
    const src = join(box.dir, 'source')
    mkdirSync(src)
    git(src, 'init', '--quiet', '--initial-branch=main')
    const commit = (name: string): string => {
      writeFileSync(join(src, 'app.txt'), name)
      git(src, 'add', 'app.txt')
      git(src, 'commit', '--quiet', '-m', name)
      return git(src, 'rev-parse', 'HEAD')
    }
    const [A, B] = [commit('A'), commit('B')]
    execFileSync('chown', ['-R', '4242:4242', src])
    expect(() => git(src, 'status')).toThrow(/detected dubious ownership/)
    const bump = (sha: string, extra: Record<string, string> = {}) => {
      const work = box!.clone()
      execFileSync('chown', ['-R', '4242:4242', work])
      return runBump(work, { files: overlay, image: `${REGISTRY}/vote`, tag: `sha-${sha.slice(0, 7)}`, 'source-git-directory': src, ...extra }, { GITHUB_SHA: sha })
    }
    expect((await bump(B)).outputs).toMatchObject({ changed: 'true' })
    // Without the trust, A and B would both read as missing from the source: order unknown.
    const older = await bump(A, { 'unknown-order': 'refuse' })
    expect(older.outputs).toMatchObject({ changed: 'false', refused: 'older', order: 'older' })
    expect(older.stdout).toContain(`its source commit ${A.slice(0, 12)} is an ancestor of the deployed image's ${B.slice(0, 12)}`)
    expect(() => git(src, 'status')).toThrow(/detected dubious ownership/)
  })

  it("shows git's own message when the working directory is no work tree", async () => {
    const outside = mkdtempSync(join(tmpdir(), 'not-a-repo-'))
    try {
      mkdirSync(join(outside, 'k8s'))
      execFileSync('sh', ['-c', `printf '%s' "$0" > k8s/vote-deployment.yaml`, deployment('vote')], { cwd: outside })
      const run = await runBump(outside, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3' })
      expect(run.exitCode).not.toBe(0)
      expect(run.errors).toHaveLength(1)
      expect(run.errors[0]).toMatch(/^Input "working-directory": ".*" is not usable as a git work tree: git rev-parse failed with exit code 128:\nfatal: not a git repository/)
    } finally {
      rmSync(outside, { recursive: true, force: true })
    }
  })
})

describe("checkout's sparse-checkout (a partial clone, filter blob:none)", () => {
  it('bumps without downloading the blobs of the rest of the repository', async () => {
    const seed: Record<string, string> = { [VOTE]: deployment('vote') }
    for (let i = 0; i < 300; i++) seed[`src/file-${i}.txt`] = `file ${i}\n`
    box = sandbox(seed)
    git(box.remote, 'config', 'uploadpack.allowFilter', 'true')
    const work = join(box.dir, 'sparse')
    git(box.dir, 'clone', '--quiet', '--filter=blob:none', '--sparse', `file://${box.remote}`, work)
    git(work, 'sparse-checkout', 'set', 'k8s')
    const objects = (): number => {
      const counts = Object.fromEntries(git(work, 'count-objects', '-v').split('\n').map((line) => line.split(': ')))
      return Number(counts.count) + Number(counts['in-pack'])
    }
    const before = objects()

    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3' })
    expect(run.errors).toEqual([])
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
    expect(git(box.remote, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'main')).toBe(VOTE)
    // The bump writes four objects (blob, k8s and root trees, commit); nothing else may arrive.
    const added = objects() - before
    console.log(`one bump in a 301-file sparse partial clone: ${added} objects added to the clone (4 written by the bump, ${added - 4} fetched)`)
    expect(added).toBe(4)
    expect(git(work, 'rev-parse', 'HEAD')).toBe(run.outputs['commit-sha'])
  })
})
