// Same commit, same image (issue #14): the committed bundle, run as the runner runs it, builds one
// commit twice with the engine's build cache pruned in between. It runs on tools/engine/next-engine.sh
// (dockerd 26.1 with the containerd image store), whose BuildKit honours SOURCE_DATE_EPOCH and
// rewrite-timestamp=true as BuildKit documents them
// (https://github.com/moby/buildkit/blob/master/docs/build-repro.md, "SOURCE_DATE_EPOCH");
// the default engine (dockerd 20.10) ignores both. Only that second engine's build cache is pruned.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseImages } from '@aks-gitops/test-support/base-images'
import { REPO_ROOT, runAction } from '@aks-gitops/test-support/action-runner'
import { blobPath, parseIndex } from '@aks-gitops/toolkit'

const REGISTRY = '127.0.0.1:5000'
const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
// The fixtures' Dockerfiles take NODE_IMAGE and BUILD_IMAGE: the local base-image stand-ins.
const BASE = baseImages(REGISTRY)
const BUILD_ARGS = `NODE_IMAGE=${BASE.runtime}\nBUILD_IMAGE=${BASE.build}`
const SHA = randomBytes(20).toString('hex')
const COMMIT_TIME = '1796014437'
const dirs: string[] = []
let dockerHost = ''

interface Built {
  digest: string
  /** `linux/amd64 sha256:...` per image manifest of the index. */
  images: string[]
}

function pruneBuildCache(): void {
  execFileSync('docker', ['builder', 'prune', '--all', '--force'], { stdio: 'ignore', env: { ...process.env, DOCKER_HOST: dockerHost } })
}

/** One cold build of the fixture app into an OCI layout (no push), as the build job runs it. */
async function coldBuild(provenance: string, sourceDateEpoch?: string): Promise<Built> {
  pruneBuildCache()
  const layout = join(mkdtempSync(join(tmpdir(), 'bx-repro-')), 'oci')
  dirs.push(resolve(layout, '..'))
  const run = await runAction({
    action: 'actions/buildx-multiarch',
    inputs: { image: `${REGISTRY}/repro/app`, context: 'app', push: 'false', 'oci-layout': layout, 'build-args': BUILD_ARGS, provenance, sbom: 'false' },
    env: {
      DOCKER_HOST: dockerHost,
      GITHUB_WORKSPACE: FIXTURES,
      GITHUB_REF: 'refs/heads/develop',
      GITHUB_SHA: SHA,
      GITHUB_RUN_NUMBER: '7',
      GITHUB_REPOSITORY: 'acme/shop',
      GITHUB_SERVER_URL: 'https://github.com',
      ...(sourceDateEpoch ? { SOURCE_DATE_EPOCH: sourceDateEpoch } : {}),
    },
  })
  expect(run.exitCode, run.stdout.split('\n').slice(-30).join('\n')).toBe(0)
  const digest = run.outputs.digest ?? ''
  const index = parseIndex(readFileSync(join(layout, 'blobs', 'sha256', digest.slice('sha256:'.length)), 'utf8'))
  return { digest, images: index.images.map((d) => `${d.platform?.os}/${d.platform?.architecture} ${d.digest}`) }
}

beforeAll(() => {
  execFileSync('bash', [join(REPO_ROOT, 'tools/engine/start.sh'), '--quiet'], { stdio: 'ignore' })
  execFileSync('bash', [join(REPO_ROOT, 'tools/engine/base-images.sh')], { stdio: 'ignore' })
  const out = execFileSync('bash', [join(REPO_ROOT, 'tools/engine/next-engine.sh'), 'start'], { encoding: 'utf8' })
  dockerHost = /DOCKER_HOST=(\S+)/.exec(out)?.[1] ?? ''
  expect(dockerHost).toMatch(/^unix:\/\//)
}, 600_000)

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true })
})

describe('two cold builds of one commit', () => {
  it('give one index digest with SOURCE_DATE_EPOCH and provenance off', async () => {
    const first = await coldBuild('false', COMMIT_TIME)
    const second = await coldBuild('false', COMMIT_TIME)
    expect(first.images).toHaveLength(2)
    expect(second.digest).toBe(first.digest)
    expect(second.images).toEqual(first.images)
  })

  it('give the same platform manifests with provenance on, in indexes whose digests differ (start time, invocation ID)', async () => {
    const first = await coldBuild('max', COMMIT_TIME)
    const second = await coldBuild('max', COMMIT_TIME)
    expect(second.images).toEqual(first.images)
    expect(second.digest).not.toBe(first.digest)
  })

  it('differ without SOURCE_DATE_EPOCH: the config times and the mtimes of files written by RUN change', async () => {
    const first = await coldBuild('false')
    const second = await coldBuild('false')
    expect(second.images).not.toEqual(first.images)
  })
})

describe('source-date-epoch: commit', () => {
  // The one home of "the image's timestamps are the commit's committer time": the bundle reads it
  // with git at the build context (a real repository here, whose author time differs), as the
  // pipeline's build jobs and the local pipeline ask it to.
  it('dates the image config, its created label and the index with the committer time of the commit at the context', async () => {
    const repo = mkdtempSync(join(tmpdir(), 'bx-repro-commit-'))
    dirs.push(repo)
    cpSync(join(FIXTURES, 'app'), join(repo, 'app'), { recursive: true })
    const committed = '2024-01-02T03:04:05Z'
    const gitEnv = { ...process.env, GIT_COMMITTER_DATE: committed, GIT_AUTHOR_DATE: '2020-01-01T00:00:00Z' }
    for (const args of [['init', '--quiet'], ['add', '.'], ['-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '--quiet', '-m', 'the build commit']]) {
      execFileSync('git', args, { cwd: repo, env: gitEnv })
    }
    const layout = join(repo, 'oci')
    const run = await runAction({
      action: 'actions/buildx-multiarch',
      inputs: { image: `${REGISTRY}/repro/app`, context: 'app', push: 'false', 'oci-layout': layout, 'build-args': BUILD_ARGS, provenance: 'false', sbom: 'false', 'source-date-epoch': 'commit' },
      env: { DOCKER_HOST: dockerHost, GITHUB_WORKSPACE: repo, GITHUB_REF: 'refs/heads/develop', GITHUB_SHA: SHA, GITHUB_RUN_NUMBER: '7', GITHUB_REPOSITORY: 'acme/shop', GITHUB_SERVER_URL: 'https://github.com', SOURCE_DATE_EPOCH: COMMIT_TIME },
    })
    expect(run.exitCode, run.stdout.split('\n').slice(-30).join('\n')).toBe(0)
    expect(run.stdout).toContain(`SOURCE_DATE_EPOCH=${Date.parse(committed) / 1000}`)
    const readJson = (digest: string) => JSON.parse(readFileSync(blobPath(layout, digest), 'utf8')) as Record<string, unknown>
    const index = parseIndex(readFileSync(blobPath(layout, run.outputs.digest ?? ''), 'utf8'))
    expect(index.images).toHaveLength(2)
    expect((readJson(run.outputs.digest ?? '') as { annotations?: Record<string, string> }).annotations?.['org.opencontainers.image.created']).toBe('2024-01-02T03:04:05.000Z')
    for (const image of index.images) {
      const manifest = readJson(image.digest) as { config: { digest: string } }
      const config = readJson(manifest.config.digest) as { created: string; config: { Labels: Record<string, string> } }
      expect(new Date(config.created).toISOString()).toBe('2024-01-02T03:04:05.000Z')
      expect(config.config.Labels['org.opencontainers.image.created']).toBe('2024-01-02T03:04:05.000Z')
    }
  })
})
