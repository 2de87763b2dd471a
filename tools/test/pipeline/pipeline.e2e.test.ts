// The local pipeline end to end against the real engine, the local registries and a local bare
// GitOps remote, on a clone of this repository (--source), so the test can add commits: a release
// branch of vote to staging; its tag on a README-only commit after the rc; develop building the
// release's commit again (which moves sha-<7>); the tag once more. Slow (two real image builds
// under QEMU), so it runs once per suite.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { git } from '@aks-gitops/test-support/repo'
import { gitopsGit, inspectImage, runPipeline, type PipelineRun } from './e2e-helpers'

const stateDir = mkdtempSync(join(tmpdir(), 'pipeline-e2e-'))
const namespace = `e2e-${process.pid}-${Date.now().toString(36)}`
const staging = `127.0.0.1:5000/${namespace}`
const production = `127.0.0.1:5001/${namespace}`

// A clone of the committed HEAD: a commit made in the shared work tree while the test runs does
// not change the events' commits, and the test's own commits stay out of it.
const source = join(stateDir, 'source')
let releaseCommit = ''
let readmeCommit = ''

function cloneWithReadmeCommit(): void {
  git(stateDir, 'clone', '--quiet', REPO_ROOT, source)
  releaseCommit = git(source, 'rev-parse', 'HEAD')
  writeFileSync(join(source, 'README.md'), `${readFileSync(join(source, 'README.md'), 'utf8')}\nA line of documentation after the release candidate.\n`)
  git(source, 'commit', '--quiet', '-am', 'README only: no path of the vote image')
  readmeCommit = git(source, 'rev-parse', 'HEAD')
}

function pipeline(commit: string, ...args: string[]): PipelineRun {
  // The build step builds the clone's work tree: check the event's commit out first.
  git(source, 'checkout', '--quiet', '--detach', commit)
  return runPipeline(stateDir, ['vote', '--no-test', '--source', source, '--commit', commit, '--registry', staging, '--production-registry', production, ...args])
}

const inspect = inspectImage
const remoteGit = (...args: string[]): string => gitopsGit(stateDir, ...args)

describe('pnpm pipeline vote', { timeout: 30 * 60_000 }, () => {
  let release: PipelineRun
  let promotion: PipelineRun

  beforeAll(() => {
    cloneWithReadmeCommit()
    release = pipeline(releaseCommit, '--ref', 'release/vote/v1.0.0')
    // The tag lands on a commit whose last change touched no path of the vote image: that commit
    // has no image of its own, and none is needed.
    promotion = pipeline(readmeCommit, '--ref', 'vote/v1.0.0')
  }, 30 * 60_000)
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

  it('publishes the release candidate for amd64 and arm64 to the staging registry', () => {
    expect(release.status, release.output).toBe(0)
    expect(release.output).toMatch(/✔ build .*linux\/amd64,linux\/arm64/)
    // The dependency audit gate ran before the build, and the summary says what it found, or
    // that the registry's audit endpoint gave no report (as on the development machine: 405).
    expect(release.output).toMatch(/audit +(passed: \d+ of \d+ advisories at or above high in apps\/vote apps\/shared|NOT RUN: no report from the registry's audit endpoint \(.+\))/)
    expect(release.output.indexOf('▸ audit')).toBeLessThan(release.output.indexOf('▸ build'))
    const rc = inspect(`${staging}/vote:1.0.0-rc.1`)
    expect(Object.keys(rc.platforms).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    expect(inspect(`${staging}/vote:sha-${releaseCommit.slice(0, 7)}`).digest).toBe(rc.digest)
  })

  it('ships an arm64 image whose Node really is arm64 and runs (under QEMU here)', () => {
    const rc = inspect(`${staging}/vote:1.0.0-rc.1`)
    const arm64 = `${staging}/vote@${rc.platforms['linux/arm64']}`
    const arch = execFileSync('docker', ['run', '--rm', '--platform', 'linux/arm64', '--entrypoint', 'node', arm64, '-p', 'process.arch + " " + process.version'], {
      encoding: 'utf8',
    })
    expect(arch.trim()).toMatch(/^arm64 v24\./)
  })

  it('promotes the rc for a tag on a README-only commit after it: the digest staging pins, without rebuilding', () => {
    expect(promotion.status, promotion.output).toBe(0)
    expect(promotion.output).not.toMatch(/✔ build/)
    // That commit never got a sha-<7> image: the old promotion had nothing to copy.
    expect(() => inspect(`${staging}/vote:sha-${readmeCommit.slice(0, 7)}`)).toThrow()
    expect(promotion.output).toMatch(new RegExp(`candidate\\s+1\\.0\\.0-rc\\.1 \\(staging-manifest\\), built from ${releaseCommit}`))
    expect(inspect(`${production}/vote:1.0.0`).digest).toBe(inspect(`${staging}/vote:1.0.0-rc.1`).digest)
  })

  it('commits the pinned references to the GitOps remote, one commit per environment', () => {
    const digest = inspect(`${staging}/vote:1.0.0-rc.1`).digest
    const subjects = remoteGit('log', '--format=%s', 'main').split('\n')
    expect(subjects).toHaveLength(3) // seed + staging + production
    const stagingOverlay = remoteGit('show', 'main:k8s-specifications/overlays/staging/kustomization.yaml')
    const productionOverlay = remoteGit('show', 'main:k8s-specifications/overlays/production/kustomization.yaml')
    expect(stagingOverlay).toContain(`newName: ${staging}/vote`)
    expect(stagingOverlay).toContain('newTag: 1.0.0-rc.1')
    expect(stagingOverlay).toContain(`digest: ${digest}`)
    expect(productionOverlay).toContain(`newName: ${production}/vote`)
    expect(productionOverlay).toContain('newTag: 1.0.0')
    expect(productionOverlay).toContain(`digest: ${digest}`)
    // Each deploy commit touches only its own environment's kustomization.
    const files = remoteGit('log', '--format=', '--name-only', '-2', 'main').split('\n').filter(Boolean).sort()
    expect(files).toEqual(['k8s-specifications/overlays/production/kustomization.yaml', 'k8s-specifications/overlays/staging/kustomization.yaml'])
  })

  it('traces each manifest commit with its trailers: the promotion names the commit the rc was built from', () => {
    const digest = inspect(`${staging}/vote:1.0.0-rc.1`).digest
    const trailer = (key: string, rev: string): string => remoteGit('log', '-1', `--format=%(trailers:key=${key},valueonly,separator=%x2C)`, rev)
    // main: the production promotion (on the README-only commit); main~1: the staging release.
    expect(trailer('Image', 'main~1')).toBe(`${staging}/vote:1.0.0-rc.1`)
    expect(trailer('Source-Commit', 'main~1')).toBe(releaseCommit)
    expect(trailer('Source-Ref', 'main~1')).toBe('refs/heads/release/vote/v1.0.0')
    expect(trailer('Image', 'main')).toBe(`${production}/vote:1.0.0`)
    expect(trailer('Image-Digest', 'main')).toBe(digest)
    expect(trailer('Source-Commit', 'main')).toBe(releaseCommit)
    expect(trailer('Source-Ref', 'main')).toBe('refs/tags/vote/v1.0.0')
    expect(trailer('Platforms', 'main')).toBe('linux/amd64,linux/arm64')
    // The summary prints them and the receipt (README "Safe deploys").
    expect(promotion.output).toMatch(/trailers {3}Bumped-by: bump-manifest\n {13}Source-Commit: [0-9a-f]{40}/)
    expect(promotion.output).toMatch(/receipt {4}vote → production\n {13}image {8}127\.0\.0\.1:5001\/.*\/vote:1\.0\.0@sha256:/)
  })

  it('verifies what Argo CD would deploy and prints the diff and a summary', () => {
    expect(release.output).toMatch(/What Argo CD would apply to staging:/)
    expect(release.output).toMatch(new RegExp(`\\+\\s+image: ${staging.replace(/[./]/g, '\\$&')}/vote:1\\.0\\.0-rc\\.1@sha256:`))
    expect(release.output).toMatch(/verified\s+127\.0\.0\.1:5000\/.*vote:1\.0\.0-rc\.1@sha256:[0-9a-f]{64} \[linux\/amd64,linux\/arm64\]/)
    expect(promotion.output).toMatch(/Summary: vote[\s\S]*manifests\s+[0-9a-f]{40} \(production, main\)/)
    // Safe deploys: Argo CD's word cannot be had locally, and the summary says so.
    expect(release.output).toMatch(/argo cd\s+skipped: no Argo CD syncs the local GitOps remote, so nothing sets the commit status "continuous-delivery\/voting-app-staging" on [0-9a-f]{12};/)
    expect(promotion.output).toMatch(/argo cd\s+skipped: .*"continuous-delivery\/voting-app-production"/)
    const summary = JSON.parse(readFileSync(join(stateDir, 'last-run-vote.json'), 'utf8')) as { timings: { name: string }[] }
    expect(summary.timings.map((t) => t.name)).toEqual(['engine', 'remote', 'candidate', 'promote', 'deploy', 'verify'])
  })

  it('is idempotent: promoting the same tag again changes nothing and succeeds', () => {
    const again = pipeline(readmeCommit, '--ref', 'vote/v1.0.0')
    expect(again.status, again.output).toBe(0)
    expect(again.output).toMatch(/already deployed: no change/)
    expect(remoteGit('rev-list', '--count', 'main')).toBe('3')
  })

  it('after develop builds the release commit again, promotes the rc digest staging ran, not the develop build', () => {
    const rc = inspect(`${staging}/vote:1.0.0-rc.1`).digest
    const develop = pipeline(releaseCommit, '--ref', 'develop')
    expect(develop.status, develop.output).toBe(0)
    // sha-<7> of the release commit now names the develop build, and staging runs it.
    const moved = inspect(`${staging}/vote:sha-${releaseCommit.slice(0, 7)}`).digest
    expect(moved).not.toBe(rc)
    expect(remoteGit('show', 'main:k8s-specifications/overlays/staging/kustomization.yaml')).toContain(`newTag: sha-${releaseCommit.slice(0, 7)}`)

    // A fresh production repository, so the copy itself shows which digest was chosen.
    const tag = pipeline(releaseCommit, '--ref', 'vote/v1.0.0', '--production-registry', `${production}-again`)
    expect(tag.status, tag.output).toBe(0)
    expect(tag.output).toMatch(new RegExp(`candidate\\s+1\\.0\\.0-rc\\.1 \\(registry\\), built from ${releaseCommit}`))
    expect(inspect(`${production}-again/vote:1.0.0`).digest).toBe(rc)
  })

  it('fails a promotion whose release candidate was never built, before anything is copied, with what to do', () => {
    const missing = pipeline(readmeCommit, '--ref', 'vote/v9.9.9', '--production-registry', `${production}-other`)
    expect(missing.status).toBe(1)
    expect(missing.output).toMatch(/pipeline failed in step "candidate"/)
    expect(missing.output).toMatch(/No release candidate of 9\.9\.9 in 127\.0\.0\.1:5000\/.*\/vote: no tag 9\.9\.9-rc\.<N> exists there/)
    expect(missing.output).toMatch(/what to do: .*run the release ref for this commit first/)
    expect(() => inspect(`${production}-other/vote:9.9.9`)).toThrow()
  })
})
