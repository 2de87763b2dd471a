// The local pipeline's redeploy event (redeploy.yml's jobs through the same bundles) against the
// real engine, the local registry and a local bare GitOps remote. The images are two-platform
// indexes made from the base-image stand-ins (no build): two orders of the same two manifests give
// two digests, and an amd64-only index is the image a redeploy must refuse.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { baseImages, perArchitecture } from '@aks-gitops/test-support/base-images'

const stateDir = mkdtempSync(join(tmpdir(), 'redeploy-e2e-'))
const namespace = `redeploy-${process.pid}-${Date.now().toString(36)}`
const staging = `127.0.0.1:5000/${namespace}`
const OVERLAY = 'k8s-specifications/overlays/staging/kustomization.yaml'
// The runtime stand-in's per-architecture images (tools/engine/base-images.sh pushes them).
const AMD64 = perArchitecture(baseImages().runtime, 'amd64')
const ARM64 = perArchitecture(baseImages().runtime, 'arm64')

function pipeline(...args: string[]): { status: number; output: string } {
  const common = ['vote', '--registry', staging, '--production-registry', `127.0.0.1:5001/${namespace}`]
  const run = spawnSync('pnpm', ['--silent', '--filter', '@aks-gitops/tools', 'run', 'pipeline', ...common, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PIPELINE_STATE_DIR: stateDir, CI: 'true', USER: 'octocat' },
    timeout: 10 * 60_000,
  })
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` }
}

const remoteGit = (...args: string[]): string => execFileSync('git', ['--git-dir', join(stateDir, 'gitops.git'), ...args], { encoding: 'utf8' }).trim()
const overlay = (): string => remoteGit('show', `main:${OVERLAY}`)
const digestOf = (reference: string): string =>
  (JSON.parse(execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--format', '{{json .Manifest}}', reference], { encoding: 'utf8' })) as { digest: string }).digest

function index(tag: string, ...manifests: string[]): string {
  execFileSync('docker', ['buildx', 'imagetools', 'create', '-t', `${staging}/vote:${tag}`, ...manifests], { stdio: 'ignore' })
  return digestOf(`${staging}/vote:${tag}`)
}

/** Gives the index under `tag` the revision annotation buildx-multiarch writes (a promotion needs its source commit). */
async function annotateRevision(repository: string, tag: string, revision: string): Promise<void> {
  const [host, ...path] = repository.split('/')
  const url = `http://${host}/v2/${path.join('/')}/manifests/${tag}`
  const index = (await (await fetch(url, { headers: { accept: 'application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json' } })).json()) as { mediaType: string; annotations?: Record<string, string> }
  index.annotations = { ...index.annotations, 'org.opencontainers.image.revision': revision }
  const put = await fetch(url, { method: 'PUT', headers: { 'content-type': index.mediaType }, body: JSON.stringify(index) })
  if (put.status !== 201) throw new Error(`PUT ${url}: ${put.status} ${await put.text()}`)
}

describe('pnpm pipeline vote --redeploy', { timeout: 20 * 60_000 }, () => {
  const digests: Record<string, string> = {}
  let first: { status: number; output: string }

  beforeAll(() => {
    // The base-image stand-ins tools/engine/base-images.sh pushes (bootstrap runs it before the tests).
    execFileSync('bash', [join(REPO_ROOT, 'tools/engine/base-images.sh')], { stdio: 'ignore' })
    digests['1.0.0'] = index('1.0.0', AMD64, ARM64)
    digests['1.1.0'] = index('1.1.0', ARM64, AMD64)
    index('0.9.0', AMD64)
    first = pipeline('--redeploy', '1.1.0', '--env', 'staging')
  }, 20 * 60_000)
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

  it('verifies the image and its platforms, commits it with its trailers, and prints the receipt', () => {
    expect(first.status, first.output).toBe(0)
    expect(first.output).toContain('── redeploy 1.1.0 to staging (redeploy.yml, dispatched from main)')
    expect(first.output).toMatch(/✔ check .*\[linux\/(amd64|arm64),linux\/(arm64|amd64)\]/)
    expect(overlay()).toContain(`newName: ${staging}/vote`)
    expect(overlay()).toContain(`digest: ${digests['1.1.0']}`)
    const trailers = remoteGit('log', '-1', '--format=%(trailers:only,unfold)', 'main')
    expect(trailers).toContain(`Image: ${staging}/vote:1.1.0`)
    expect(trailers).toContain(`Image-Digest: ${digests['1.1.0']}`)
    expect(trailers).toContain('Previous-Image: aksgitops.azurecr.io/vote:sha-0000000@sha256:')
    expect(trailers).toMatch(/Workflow-Run: http:\/\/localhost\/local\/aks-gitops\/actions\/runs\/\d+/)
    expect(first.output).toContain(`  trailers   Bumped-by: bump-manifest`)
    expect(first.output).toMatch(/ {2}receipt {4}vote → staging\n {13}image {8}127\.0\.0\.1:5000\/.*\/vote:1\.1\.0@sha256:/)
    // The placeholder's order is unknown: a deliberate redeploy of it holds the service.
    expect(first.output).toMatch(/ {13}hold {9}held at .*vote:1\.1\.0@sha256:[0-9a-f]{64} by octocat/)
    expect(first.output).toMatch(/argo cd\s+skipped: no Argo CD syncs the local GitOps remote/)
  })

  it('rolls back to an older image (held), one step back with previous (newer: released), and release-hold releases in place', () => {
    const older = pipeline('--redeploy', '1.0.0', '--env', 'staging')
    expect(older.status, older.output).toBe(0)
    expect(older.output).toMatch(/order {8}older: .*1\.0\.0 is older than 1\.1\.0/)
    expect(overlay()).toContain(`hold.aks-gitops.io/vote: '{"image":"${staging}/vote:1.0.0@${digests['1.0.0']}","by":"octocat"`)

    // One step back from the rollback is 1.1.0 again: newer than the hold, so a deliberate redeploy releases it.
    const back = pipeline('--redeploy', 'previous', '--env', 'staging')
    expect(back.status, back.output).toBe(0)
    expect(back.output).toContain(`  redeploy   ${staging}/vote:1.1.0@${digests['1.1.0']} (previous)`)
    expect(overlay()).toContain(`digest: ${digests['1.1.0']}`)
    expect(remoteGit('log', '-1', '--format=%(trailers:key=Deploy-Hold,valueonly)', 'main')).toBe('released')
    expect(overlay()).not.toContain('hold.aks-gitops.io')

    expect(pipeline('--redeploy', '1.0.0', '--env', 'staging').status).toBe(0)
    expect(overlay()).toContain('hold.aks-gitops.io/vote')
    const released = pipeline('--redeploy', '1.0.0', '--env', 'staging', '--release-hold')
    expect(released.status, released.output).toBe(0)
    expect(overlay()).not.toContain('hold.aks-gitops.io')
    expect(overlay()).toContain(`digest: ${digests['1.0.0']}`)
    expect(released.output).toMatch(/ {13}hold {9}not held \(released by this deploy\)/)
  })

  it('a pipeline bump (a tag promoting an older release) skips the held service, and once released is refused as older, committing nothing', async () => {
    // Production runs 1.1.0 by a redeploy (held); then the tag of the older release 1.0.0 is pushed (a re-run).
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()
    index('1.0.0-rc.1', AMD64, ARM64)
    await annotateRevision(`${staging}/vote`, '1.0.0-rc.1', commit)
    execFileSync('docker', ['buildx', 'imagetools', 'create', '-t', `127.0.0.1:5001/${namespace}/vote:1.1.0`, ARM64, AMD64], { stdio: 'ignore' })
    const PRODUCTION = 'k8s-specifications/overlays/production/kustomization.yaml'
    const production = (): string => remoteGit('show', `main:${PRODUCTION}`)
    expect(pipeline('--redeploy', '1.1.0', '--env', 'production').status).toBe(0)
    expect(production()).toContain('hold.aks-gitops.io/vote')
    const promote = (): { status: number; output: string } => pipeline('--ref', 'vote/v1.0.0', '--commit', commit, '--no-test', '--no-audit')

    const heldHead = remoteGit('rev-parse', 'main')
    const held = promote()
    expect(held.status, held.output).toBe(0)
    expect(held.output).toContain('✔ deploy')
    expect(held.output).toMatch(/deploy .*not deployed: held/)
    expect(held.output).toMatch(/ {13}commit {7}none: refused \(held\)/)
    expect(held.output).toMatch(/ {13}hold {9}held at 127\.0\.0\.1:5001\/.*\/vote:1\.1\.0@sha256:[0-9a-f]{64} by octocat \(http:\/\/localhost\/.*\/actions\/runs\/\d+\) \(kept\)/)
    expect(remoteGit('rev-parse', 'main')).toBe(heldHead)
    // Nothing landed, so there is no commit Argo CD's word could be about.
    expect(held.output).toMatch(/ {13}sync {9}skipped: nothing committed \(held\)/)
    expect(held.output).not.toMatch(/argo cd\s+skipped/)

    expect(pipeline('--redeploy', '1.1.0', '--env', 'production', '--release-hold').status).toBe(0)
    expect(production()).not.toContain('hold.aks-gitops.io')
    const releasedHead = remoteGit('rev-parse', 'main')
    const older = promote()
    expect(older.status, older.output).toBe(0)
    expect(older.output).toMatch(/deploy .*not deployed: older/)
    expect(older.output).toMatch(/ {13}order {8}older: refused: the new image is older than the deployed one \(1\.0\.0 is older than 1\.1\.0 \(SemVer 2\.0 precedence\)\)/)
    expect(remoteGit('rev-parse', 'main')).toBe(releasedHead)
    expect(production()).toContain('newTag: 1.1.0')
  })

  it('refuses an image that lacks a platform, and a reference that is neither tag, digest nor previous, changing nothing', () => {
    const head = remoteGit('rev-parse', 'main')
    const amd64 = pipeline('--redeploy', '0.9.0', '--env', 'staging')
    expect(amd64.status).toBe(1)
    expect(amd64.output).toMatch(/pipeline failed in step "check": acr-push failed: .*linux\/arm64/)
    const bad = pipeline('--redeploy', '1.0; rm -rf /', '--env', 'staging')
    expect(bad.status).toBe(2)
    expect(bad.output).toContain('--redeploy "1.0; rm -rf /" is not a tag')
    expect(remoteGit('rev-parse', 'main')).toBe(head)
  })
})
