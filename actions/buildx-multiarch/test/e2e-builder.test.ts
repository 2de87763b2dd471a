// The docker-container builder's life on the real buildx: two uses of the action in one job
// (one run ID and attempt, one docker config) each create their own builder, and the post step
// removes the one its main step created. This machine cannot pull moby/buildkit, so each builder
// fails to boot after buildx has registered it: exactly the state a post step must clean up, and
// buildx's boot error shows the pinned image it was asked to run.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { runAction } from '@aks-gitops/test-support/action-runner'
import { BUILDKIT_IMAGE } from '../src/pins'

const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
const PLUGINS = ['/usr/libexec/docker/cli-plugins', '/usr/lib/docker/cli-plugins', '/usr/local/lib/docker/cli-plugins']
let dockerConfig: string

beforeAll(() => {
  // A docker config of its own: the builders registered here never touch the shared engine's list.
  dockerConfig = mkdtempSync(join(tmpdir(), 'bx-builders-'))
  const plugins = PLUGINS.find((dir) => existsSync(join(dir, 'docker-buildx')))
  if (plugins) symlinkSync(plugins, join(dockerConfig, 'cli-plugins'))
})

afterAll(() => {
  for (const name of builders()) execFileSync('docker', ['buildx', 'rm', name], { env: { ...process.env, DOCKER_CONFIG: dockerConfig }, stdio: 'ignore' })
  rmSync(dockerConfig, { recursive: true, force: true })
})

/** The builders buildx has registered in this docker config (one file each in buildx/instances). */
function builders(): string[] {
  const dir = join(dockerConfig, 'buildx', 'instances')
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('buildx-multiarch-')) : []
}

const use = (post: boolean) =>
  runAction({
    action: 'actions/buildx-multiarch',
    inputs: { image: '127.0.0.1:5000/builders/app', context: 'app', driver: 'docker-container' },
    env: { DOCKER_CONFIG: dockerConfig, GITHUB_WORKSPACE: FIXTURES, GITHUB_REF: 'refs/heads/develop', GITHUB_SHA: 'c0ffee'.padEnd(40, '0'), GITHUB_RUN_ID: '4242', GITHUB_RUN_ATTEMPT: '1' },
    post,
    timeoutMs: 120_000,
  })

it('gives a second use in the same job its own builder, and each post step removes its own', async () => {
  // The first use's post step runs only when the job ends: its builder is still there.
  const first = await use(false)
  const firstName = /creating the docker-container builder "([^"]+)"/.exec(first.stdout)?.[1]
  expect(firstName).toMatch(/^buildx-multiarch-4242-1-[0-9a-f]{8}$/)
  expect(builders()).toEqual([firstName])

  const second = await use(true)
  const secondName = /creating the docker-container builder "([^"]+)"/.exec(second.stdout)?.[1]
  expect(secondName).toMatch(/^buildx-multiarch-4242-1-[0-9a-f]{8}$/)
  expect(secondName).not.toBe(firstName)
  // QEMU is decided (and registered when needed) before the builder boots: a docker-container
  // builder reads the emulators it can use when it starts.
  const emulation = second.stdout.indexOf('Emulation: not needed for linux/arm64: every RUN is in a stage on $BUILDPLATFORM')
  expect(emulation).toBeGreaterThan(-1)
  expect(emulation).toBeLessThan(second.stdout.indexOf('creating the docker-container builder'))
  // A fixed name per run made buildx refuse the second creation.
  expect(second.stdout).not.toContain('existing instance')
  // buildx got the pinned BuildKit image (booting it fails here only because nothing can be pulled).
  expect(second.errors.join('\n')).toContain(BUILDKIT_IMAGE)
  expect(second.post?.exitCode).toBe(0)
  expect(second.post?.stdout).toContain(`Removed the builder ${secondName}`)
  expect(builders()).toEqual([firstName])
}, 240_000)
