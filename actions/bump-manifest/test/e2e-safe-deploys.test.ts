// No downgrade, holds and `previous`, run through the committed bundle against real git: a bare
// GitOps remote, and a real source repository whose commits the sha-<7> images were built from.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { parseReceipt } from '@aks-gitops/toolkit'
import { holdKey, readHold } from '../src/hold'
import { parseTrailerLines } from '../src/trailers'
import { digestOf, git, kustomization, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const OVERLAY = 'k8s-specifications/overlays/production/kustomization.yaml'
const IMAGE = `${REGISTRY}/vote`
const runEnv = (id: string, sha = 'c'.repeat(40), actor = 'release-bot') => ({
  GITHUB_SHA: sha,
  GITHUB_REF: 'refs/tags/vote/v1',
  GITHUB_SERVER_URL: 'https://github.example',
  GITHUB_REPOSITORY: 'octo/gitops',
  GITHUB_RUN_ID: id,
  GITHUB_ACTOR: actor,
})

let box: Sandbox | undefined
afterEach(() => box?.remove())

function trailers(remote: string, commit: string): Map<string, string[]> {
  const message = git(remote, 'log', '-1', '--format=%B', commit)
  return parseTrailerLines(execFileSync('git', ['interpret-trailers', '--parse'], { input: `${message}\n`, encoding: 'utf8' }))
}

/** A source repository: main A -> B -> C, and a branch D off A. Returns the commits. */
function sourceRepo(dir: string, shallowFrom?: string): { dir: string; A: string; B: string; C: string; D: string } {
  const src = join(dir, 'source')
  mkdirSync(src)
  git(src, 'init', '--quiet', '--initial-branch=main')
  const commit = (name: string): string => {
    writeFileSync(join(src, 'app.txt'), name)
    git(src, 'add', 'app.txt')
    git(src, '-c', 'user.name=dev', '-c', 'user.email=dev@example.com', 'commit', '--quiet', '-m', name)
    return git(src, 'rev-parse', 'HEAD')
  }
  const A = commit('A')
  const B = commit('B')
  const C = commit('C')
  git(src, 'checkout', '--quiet', '-b', 'feature', A)
  const D = commit('D')
  git(src, 'checkout', '--quiet', 'main')
  if (shallowFrom) return { dir: shallowFrom, A, B, C, D }
  return { dir: src, A, B, C, D }
}

const sha = (commit: string) => `sha-${commit.slice(0, 7)}`

describe('no downgrade', () => {
  it('a re-run of an old workflow run does not roll production back: changed=false, refused=older, a warning and the summary say why', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const work = box.clone()
    const newer = await runBump(work, { files: OVERLAY, image: IMAGE, tag: '1.1.0', digest: digestOf('1.1.0'), environment: 'production' }, runEnv('200'))
    expect(newer.outputs).toMatchObject({ changed: 'true', order: 'newer', refused: '' })
    const head = box.remoteHead()
    // Run 100 built 1.0.0; it is re-run after run 200 deployed 1.1.0.
    const rerun = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.0.0', digest: digestOf('1.0.0'), environment: 'production' }, runEnv('100'))
    expect(rerun.exitCode).toBe(0)
    expect(rerun.outputs).toMatchObject({ changed: 'false', 'commit-sha': '', refused: 'older', order: 'older' })
    expect(box.remoteHead()).toBe(head)
    expect(box.remoteFile(OVERLAY)).toContain(`newTag: "1.1.0"`)
    expect(rerun.stdout).toContain('::warning::')
    expect(rerun.stdout).toContain('1.0.0 is older than 1.1.0 (SemVer 2.0 precedence)')
    expect(rerun.summary).toContain(`**Not deployed**: \`${IMAGE}:1.1.0@${digestOf('1.1.0')}\` stays`)
    // A refusal is not "already up to date": the summary says why nothing was committed.
    expect(rerun.summary).toContain('No commit: the deploy was refused (older)')
    expect(rerun.summary).not.toContain('already up to date')
  })

  it('orders release candidates as numbers: rc.10 replaces rc.9, rc.9 does not replace rc.10', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    expect((await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.2.0-rc.9' }, runEnv('1'))).outputs.changed).toBe('true')
    expect((await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.2.0-rc.10' }, runEnv('2'))).outputs).toMatchObject({ changed: 'true', order: 'newer' })
    expect((await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.2.0-rc.9' }, runEnv('3'))).outputs).toMatchObject({ changed: 'false', refused: 'older' })
  })

  it('orders sha-<7> images by the ancestry of their source commits, read from the trailers and the source history', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const src = sourceRepo(box.dir)
    const bump = (commit: string, extra: Record<string, string> = {}) =>
      runBump(box!.clone(), { files: OVERLAY, image: IMAGE, tag: sha(commit), 'source-git-directory': src.dir, ...extra }, runEnv('9', commit))
    expect((await bump(src.B)).outputs.changed).toBe('true')
    expect(trailers(box.remote, box.remoteHead()).get('Source-Commit')).toEqual([src.B])
    const older = await bump(src.A)
    expect(older.outputs).toMatchObject({ changed: 'false', refused: 'older', order: 'older' })
    expect(older.stdout).toContain(`its source commit ${src.A.slice(0, 12)} is an ancestor of the deployed image's ${src.B.slice(0, 12)}`)
    expect((await bump(src.C)).outputs).toMatchObject({ changed: 'true', order: 'newer' })
    // D is on a branch off A: neither reaches the other, so the order is unknown and the default deploys.
    const diverged = await bump(src.D)
    expect(diverged.outputs).toMatchObject({ changed: 'true', order: 'unknown', refused: '' })
    expect(diverged.stdout).toContain('are on diverged branches')
    expect((await bump(src.C, { 'unknown-order': 'refuse' })).outputs).toMatchObject({ changed: 'false', order: 'unknown', refused: 'unknown-order' })
  })

  it('in a shallow source checkout a commit outside the depth has no known order, and the documented default applies', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const full = sourceRepo(box.dir)
    const shallow = join(box.dir, 'shallow')
    git(box.dir, 'clone', '--quiet', '--depth', '1', `file://${full.dir}`, shallow)
    const bump = (commit: string, extra: Record<string, string> = {}) =>
      runBump(box!.clone(), { files: OVERLAY, image: IMAGE, tag: sha(commit), 'source-git-directory': shallow, ...extra }, runEnv('9', commit))
    expect((await bump(full.C)).outputs.changed).toBe('true')
    const run = await bump(full.A, { 'unknown-order': 'refuse' })
    expect(run.outputs).toMatchObject({ changed: 'false', order: 'unknown', refused: 'unknown-order' })
    expect(run.stdout).toContain(`commit ${full.A.slice(0, 12)} is not in ${shallow} (a shallow checkout: check the source out with fetch-depth: 0)`)
    expect((await bump(full.A)).outputs).toMatchObject({ changed: 'true', order: 'unknown' })
  })
})

describe('holds', () => {
  it('a rollback holds the service; pipeline bumps skip it and say who held it; a newer deliberate release clears it', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote', 'result']) })
    await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.1.0' }, runEnv('1'))
    const rollback = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.0.1', 'allow-downgrade': 'true' }, runEnv('2', 'c'.repeat(40), 'octocat'))
    expect(rollback.outputs).toMatchObject({ changed: 'true', order: 'older', refused: '' })
    const hold = JSON.parse(rollback.outputs.hold ?? '')
    expect(hold).toMatchObject({ service: 'vote', image: `${IMAGE}:1.0.1`, by: 'octocat', run: 'https://github.example/octo/gitops/actions/runs/2' })
    const file = box.remoteFile(OVERLAY)
    expect(file).toContain(`    ${holdKey('vote')}: '{"image":"${IMAGE}:1.0.1","by":"octocat"`)
    expect(readHold(OVERLAY, file, [0], 'vote')?.by).toBe('octocat')
    const held = box.remoteHead()
    expect(trailers(box.remote, held).get('Deploy-Hold')).toEqual(['set'])
    // A redeploy's source commit is not the run's (GITHUB_SHA is the dispatch ref's): none is recorded.
    expect(trailers(box.remote, held).has('Source-Commit')).toBe(false)

    const skipped = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.2.0' }, runEnv('3'))
    expect(skipped.outputs).toMatchObject({ changed: 'false', refused: 'held', order: 'newer' })
    expect(skipped.summary).toContain(`**Skipped**: the service is held at \`${IMAGE}:1.0.1\` by octocat in https://github.example/octo/gitops/actions/runs/2`)
    expect(JSON.parse(skipped.outputs.hold ?? '').by).toBe('octocat')
    expect(box.remoteHead()).toBe(held)
    // Another service in the same file is not held.
    expect((await runBump(box.clone(), { files: OVERLAY, image: `${REGISTRY}/result`, tag: '1.2.0' }, runEnv('4'))).outputs.changed).toBe('true')

    expect((await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.0.0', 'supersede-hold': 'true' }, runEnv('5'))).outputs).toMatchObject({ changed: 'false', refused: 'held' })
    const release = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.2.0', 'supersede-hold': 'true' }, runEnv('6'))
    expect(release.outputs).toMatchObject({ changed: 'true', hold: '' })
    expect(box.remoteFile(OVERLAY)).not.toContain('hold.aks-gitops.io')
    expect(trailers(box.remote, box.remoteHead()).get('Deploy-Hold')).toEqual(['released'])
  })

  it('release-hold clears the hold, and the file reads as before the hold', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.1.0' }, runEnv('1'))
    const before = box.remoteFile(OVERLAY)
    await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.0.0', 'allow-downgrade': 'true' }, runEnv('2'))
    expect(box.remoteFile(OVERLAY)).toContain(holdKey('vote'))
    const released = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.1.0', 'allow-downgrade': 'true', 'release-hold': 'true' }, runEnv('3'))
    expect(released.outputs).toMatchObject({ changed: 'true', hold: '' })
    expect(box.remoteFile(OVERLAY)).toBe(before)
    expect((await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.2.0' }, runEnv('4'))).outputs.changed).toBe('true')
  })
})

describe('previous', () => {
  it('rolls back one step per run using the trailers, holding the service, and never forth again', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    for (const [i, tag] of ['1.1.0', '1.2.0', '1.3.0'].entries()) await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag, digest: digestOf(tag) }, runEnv(String(i)))
    const back = { files: OVERLAY, image: IMAGE, previous: 'true', 'allow-downgrade': 'true' }
    const first = await runBump(box.clone(), back, runEnv('10'))
    expect(first.errors).toEqual([])
    expect(first.outputs).toMatchObject({ changed: 'true', 'pinned-tag': '1.2.0', 'pinned-digest': digestOf('1.2.0'), order: 'older' })
    expect(trailers(box.remote, box.remoteHead()).get('Image')).toEqual([`${IMAGE}:1.2.0`])
    const second = await runBump(box.clone(), back, runEnv('11'))
    expect(second.outputs).toMatchObject({ changed: 'true', 'pinned-tag': '1.1.0' })
    expect(box.remoteFile(OVERLAY)).toContain(`newTag: "1.1.0"`)
    expect(JSON.parse(second.outputs.hold ?? '').image).toBe(`${IMAGE}:1.1.0@${digestOf('1.1.0')}`)
    // The dry run of the redeploy workflow's resolve job: what it would pin, nothing written.
    const head = box.remoteHead()
    const dry = await runBump(box.clone(), { ...back, 'dry-run': 'true' }, runEnv('12'))
    expect(dry.outputs).toMatchObject({ changed: 'true', 'pinned-tag': '1.0.0', 'pinned-digest': '' })
    expect(box.remoteHead()).toBe(head)
  })

  it('fails naming the input when the files have no deploy history, changing nothing', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const head = box.remoteHead()
    const run = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, previous: 'true', 'allow-downgrade': 'true' }, runEnv('1'))
    expect(run.exitCode).not.toBe(0)
    expect(run.errors[0]).toContain(`previous: no manifest commit of ${IMAGE} in ${OVERLAY} has a Previous-Image trailer`)
    expect(box.remoteHead()).toBe(head)
    const both = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, previous: 'true', tag: '1.0.0' }, runEnv('1'))
    expect(both.errors).toEqual(['Input "previous": takes the tag and digest from the history: leave tag and digest empty'])
  })
})

describe('deployment receipt', () => {
  it('is one table in the summary and the same data as the receipt output', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const inputs = { files: OVERLAY, image: IMAGE, tag: '1.1.0', digest: digestOf('1.1.0'), environment: 'production', platforms: 'linux/amd64,linux/arm64', attestations: 'provenance, sbom', 'stage-seconds': 'build=312,publish=41.5' }
    const run = await runBump(box.clone(), inputs, runEnv('77'))
    expect(run.errors).toEqual([])
    const head = box.remoteHead()
    const receipt = parseReceipt(run.outputs.receipt ?? '')
    expect(receipt).toMatchObject({
      service: 'vote',
      environment: 'production',
      image: `${IMAGE}:1.1.0`,
      digest: digestOf('1.1.0'),
      platforms: ['linux/amd64', 'linux/arm64'],
      attestations: 'provenance, sbom',
      commit: head,
      commitUrl: `https://github.example/octo/gitops/commit/${head}`,
      previousImage: [`${IMAGE}:1.0.0`],
      order: 'newer',
      refused: '',
      hold: { state: 'not held', change: 'none' },
      sync: { status: 'not waited', detail: 'wait-for-application is not set' },
    })
    expect(receipt.stages.map((s) => s.name)).toEqual(['build', 'publish', 'order check', 'commit', 'argo cd wait'])
    expect(receipt.stages[0]).toEqual({ name: 'build', seconds: 312 })
    const table = run.summary.slice(run.summary.indexOf('### Deployment receipt'))
    expect(table).toContain(`| manifest commit | [\`${head.slice(0, 12)}\`](https://github.example/octo/gitops/commit/${head}) |`)
    expect(table).toContain('| platforms | linux/amd64, linux/arm64 |')
    expect(table).toContain('| sync status | not waited: wait-for-application is not set |')
    expect(table.split('\n').filter((line) => line === '| --- | --- |')).toHaveLength(1)

    // Refused: the receipt says so, and what stays deployed.
    const refused = parseReceipt((await runBump(box.clone(), { ...inputs, tag: '1.0.5', digest: '' }, runEnv('78'))).outputs.receipt ?? '')
    expect(refused).toMatchObject({ commit: '', refused: 'older', previousImage: [`${IMAGE}:1.1.0@${digestOf('1.1.0')}`], sync: { status: 'skipped' } })
  })

  it('refuses stage-seconds that are not NAME=SECONDS', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const run = await runBump(box.clone(), { files: OVERLAY, image: IMAGE, tag: '1.1.0', 'stage-seconds': 'build:312' }, runEnv('1'))
    expect(run.errors).toEqual(['Input "stage-seconds": "build:312" is not NAME=SECONDS (expected e.g. build=312,publish=41.5)'])
  })
})
