// The local pipeline end to end: a release branch of vote to staging, then its tag to production,
// against the real engine, the local registries and a local bare GitOps remote. Slow (two real
// image builds under QEMU on a cold cache), so it runs once per suite.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../../src/action-runner'

const stateDir = mkdtempSync(join(tmpdir(), 'pipeline-e2e-'))
const namespace = `e2e-${process.pid}-${Date.now().toString(36)}`
const staging = `127.0.0.1:5000/${namespace}`
const production = `127.0.0.1:5001/${namespace}`

// Pinned, so that a commit made while the test runs does not change the event's commit.
const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim()

function pipeline(...args: string[]): { status: number; output: string } {
  const common = ['vote', '--no-test', '--commit', sha, '--registry', staging, '--production-registry', production]
  const run = spawnSync('pnpm', ['--silent', '--filter', '@aks-gitops/tools', 'run', 'pipeline', ...common, ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PIPELINE_STATE_DIR: stateDir, CI: 'true' },
    timeout: 15 * 60_000,
  })
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` }
}

function inspect(reference: string): { digest: string; platforms: Record<string, string> } {
  const raw = execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--raw', reference], { encoding: 'utf8' })
  const index = JSON.parse(raw) as { manifests: { digest: string; platform?: { os: string; architecture: string } }[] }
  const platforms: Record<string, string> = {}
  for (const m of index.manifests) if (m.platform && m.platform.os !== 'unknown') platforms[`${m.platform.os}/${m.platform.architecture}`] = m.digest
  const digest = execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--format', '{{json .Manifest}}', reference], { encoding: 'utf8' })
  return { digest: (JSON.parse(digest) as { digest: string }).digest, platforms }
}

const remoteGit = (...args: string[]): string =>
  execFileSync('git', ['--git-dir', join(stateDir, 'gitops.git'), ...args], { encoding: 'utf8' }).trim()

describe('pnpm pipeline vote', { timeout: 20 * 60_000 }, () => {
  let release: { status: number; output: string }
  let promotion: { status: number; output: string }

  beforeAll(() => {
    release = pipeline('--ref', 'release/vote/v1.0.0')
    promotion = pipeline('--ref', 'vote/v1.0.0')
  }, 20 * 60_000)
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

  it('publishes the release candidate for amd64 and arm64 to the staging registry', () => {
    expect(release.status, release.output).toBe(0)
    expect(release.output).toMatch(/✔ build .*linux\/amd64,linux\/arm64/)
    const rc = inspect(`${staging}/vote:1.0.0-rc.1`)
    expect(Object.keys(rc.platforms).sort()).toEqual(['linux/amd64', 'linux/arm64'])
    expect(inspect(`${staging}/vote:sha-${sha.slice(0, 7)}`).digest).toBe(rc.digest)
  })

  it('ships an arm64 image whose Node really is arm64 and runs (under QEMU here)', () => {
    const rc = inspect(`${staging}/vote:1.0.0-rc.1`)
    const arm64 = `${staging}/vote@${rc.platforms['linux/arm64']}`
    const arch = execFileSync('docker', ['run', '--rm', '--platform', 'linux/arm64', '--entrypoint', 'node', arm64, '-p', 'process.arch + " " + process.version'], {
      encoding: 'utf8',
    })
    expect(arch.trim()).toMatch(/^arm64 v24\./)
  })

  it('promotes the exact staging digest to production as 1.0.0, without rebuilding', () => {
    expect(promotion.status, promotion.output).toBe(0)
    expect(promotion.output).not.toMatch(/✔ build/)
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

  it('verifies what Argo CD would deploy and prints the diff and a summary', () => {
    expect(release.output).toMatch(/What Argo CD would apply to staging:/)
    expect(release.output).toMatch(new RegExp(`\\+\\s+image: ${staging.replace(/[./]/g, '\\$&')}/vote:1\\.0\\.0-rc\\.1@sha256:`))
    expect(release.output).toMatch(/verified\s+127\.0\.0\.1:5000\/.*vote:1\.0\.0-rc\.1@sha256:[0-9a-f]{64} \[linux\/amd64,linux\/arm64\]/)
    expect(promotion.output).toMatch(/Summary: vote[\s\S]*manifests\s+[0-9a-f]{40} \(production, main\)/)
    const summary = JSON.parse(readFileSync(join(stateDir, 'last-run-vote.json'), 'utf8')) as { timings: { name: string }[] }
    expect(summary.timings.map((t) => t.name)).toEqual(['engine', 'remote', 'promote', 'deploy', 'verify'])
  })

  it('is idempotent: promoting the same tag again changes nothing and succeeds', () => {
    const again = pipeline('--ref', 'vote/v1.0.0')
    expect(again.status, again.output).toBe(0)
    expect(again.output).toMatch(/already deployed: no change/)
    expect(remoteGit('rev-list', '--count', 'main')).toBe('3')
  })

  it('fails a promotion whose release candidate was never built, with the step and what to do', () => {
    const missing = pipeline('--ref', 'vote/v9.9.9', '--production-registry', `${production}-other`, '--registry', `${staging}-none`)
    expect(missing.status).toBe(1)
    expect(missing.output).toMatch(/pipeline failed in step "promote"/)
    expect(missing.output).toMatch(/what to do: .*run the release ref first/)
  })
})
