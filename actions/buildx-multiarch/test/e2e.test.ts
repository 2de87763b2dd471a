// End-to-end: the committed dist/index.js, run as the GitHub runner runs it (runAction), against
// the real Docker engine (buildx, QEMU) and the local registry on 127.0.0.1:5000.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { randomBytes } from 'node:crypto'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { baseImages } from '@aks-gitops/test-support/base-images'
import { REPO_ROOT, runAction, type ActionRun } from '@aks-gitops/test-support/action-runner'
import { indexPlatforms, parseIndex, sha256Digest } from '@aks-gitops/toolkit'

const REGISTRY = '127.0.0.1:5000'
const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
// The fixtures' Dockerfiles take NODE_IMAGE and BUILD_IMAGE: the local base-image stand-ins.
const BASE = baseImages(REGISTRY)
const BUILD_ARGS = `NODE_IMAGE=${BASE.runtime}\nBUILD_IMAGE=${BASE.build}`
const SHA = randomBytes(20).toString('hex')
const RUN = `e2e-${randomBytes(4).toString('hex')}`
const localRefs: string[] = []
const tempDirs: string[] = []

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 })
}

/** The raw manifest stored under a reference, or undefined when the registry has none. */
function registryManifest(ref: string): string | undefined {
  const result = spawnSync('docker', ['buildx', 'imagetools', 'inspect', '--raw', ref], { encoding: 'utf8' })
  return result.status === 0 ? result.stdout : undefined
}

function tagsOf(repository: string): string[] {
  const response = spawnSync('curl', ['-s', `http://${REGISTRY}/v2/${repository}/tags/list`], { encoding: 'utf8' })
  return (JSON.parse(response.stdout || '{}') as { tags?: string[] | null }).tags ?? []
}

async function build(inputs: Record<string, string>, ref = 'refs/heads/develop', extraEnv: Record<string, string> = {}): Promise<ActionRun> {
  const result = await runAction({
    action: 'actions/buildx-multiarch',
    inputs: { 'build-args': BUILD_ARGS, ...inputs },
    env: { GITHUB_WORKSPACE: FIXTURES, GITHUB_REF: ref, GITHUB_SHA: SHA, GITHUB_RUN_NUMBER: '31', GITHUB_REPOSITORY: 'acme/shop', GITHUB_SERVER_URL: 'https://github.com', ...extraEnv },
  })
  if (result.exitCode !== 0) console.error(result.stdout.split('\n').slice(-40).join('\n'))
  return result
}

/** Runs one platform's manifest (pulled by digest: the classic store keeps one platform per name). */
function runImage(repository: string, digest: string, platform: string): { arch: string; machine: string; elfMachine: number; build: Record<string, string> } {
  const ref = `${REGISTRY}/${repository}@${digest}`
  localRefs.push(ref)
  return JSON.parse(run('docker', ['run', '--rm', '--platform', platform, ref]).trim()) as ReturnType<typeof runImage>
}

function platformDigest(indexRaw: string, architecture: string): string {
  const entry = parseIndex(indexRaw).images.find((d) => d.platform?.architecture === architecture)
  if (!entry) throw new Error(`no ${architecture} entry in ${indexRaw}`)
  return entry.digest
}

beforeAll(() => {
  run('bash', [join(REPO_ROOT, 'tools/engine/start.sh'), '--quiet'])
  // The stand-in base images (idempotent: a no-op when they are in the registry already).
  run('bash', [join(REPO_ROOT, 'tools/engine/base-images.sh')])
}, 600_000)

afterAll(() => {
  // The engine is shared: remove only what these tests put in it.
  for (const ref of localRefs) spawnSync('docker', ['image', 'rm', '--force', ref])
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
})

describe('buildx-multiarch on the local engine', () => {
  it('pushes one index with linux/amd64 and linux/arm64 whose arm64 image is an arm64 binary running under QEMU', async () => {
    const repository = `${RUN}/app`
    const result = await build({ image: `${REGISTRY}/${repository}`, context: 'app', push: 'true' })
    expect(result.exitCode).toBe(0)
    localRefs.push(`${REGISTRY}/${repository}:buildcache-linux-amd64`, `${REGISTRY}/${repository}:buildcache-linux-arm64`)
    const { digest, image, tags, version, platforms } = result.outputs
    expect(version).toBe(`sha-${SHA.slice(0, 7)}`)
    expect(tags).toBe(`${REGISTRY}/${repository}:sha-${SHA.slice(0, 7)}`)
    expect(platforms).toBe('linux/amd64,linux/arm64')
    expect(image).toBe(`${REGISTRY}/${repository}@${digest}`)

    // The registry holds exactly that index under the computed tag.
    const raw = registryManifest(`${REGISTRY}/${repository}:sha-${SHA.slice(0, 7)}`)
    expect(raw && sha256Digest(raw)).toBe(digest)
    expect(indexPlatforms(parseIndex(raw ?? ''))).toEqual(['linux/amd64', 'linux/arm64'])

    // Each platform's image runs and is what it claims: the arm64 one under QEMU, built natively.
    const arm64 = runImage(repository, platformDigest(raw ?? '', 'arm64'), 'linux/arm64')
    expect(arm64).toMatchObject({ arch: 'arm64', machine: 'aarch64', elfMachine: 183, build: { builtOn: 'linux/amd64', builtFor: 'linux/arm64' } })
    const amd64 = runImage(repository, platformDigest(raw ?? '', 'amd64'), 'linux/amd64')
    expect(amd64).toMatchObject({ arch: 'x64', machine: 'x86_64', elfMachine: 62 })

    // OCI labels in the image config.
    const labels = JSON.parse(run('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', `${REGISTRY}/${repository}@${platformDigest(raw ?? '', 'arm64')}`])) as Record<string, string>
    expect(labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.title': 'app',
    })

    // The docker driver drops attestations: the log and the summary say so.
    expect(result.stdout).toMatch(/::warning::provenance and SBOM attestations are NOT kept: the docker driver/)
    expect(result.summary).toContain('Attestations: provenance and SBOM attestations are NOT kept')
    expect(result.summary).toMatch(/\| linux\/arm64 \| `sha256:[a-f0-9]{64}` \| [0-9.]+ MiB \| [0-9.]+ s \| \d+\/\d+ steps \|/)
    const metadata = JSON.parse(result.outputs.metadata ?? '{}') as { platforms: Array<{ platform: string; digest: string }> }
    expect(metadata.platforms.map((p) => p.digest)).toEqual([platformDigest(raw ?? '', 'amd64'), platformDigest(raw ?? '', 'arm64')])

    // A rebuild without source changes is served from cache: every Dockerfile step.
    const again = await build({ image: `${REGISTRY}/${repository}`, context: 'app', push: 'true' })
    expect(again.exitCode).toBe(0)
    for (const p of (JSON.parse(again.outputs.metadata ?? '{}') as { platforms: Array<{ cache: { steps: number; cached: number } }> }).platforms) {
      expect(p.cache.steps).toBeGreaterThan(0)
      expect(p.cache.cached).toBe(p.cache.steps)
    }
  })

  it('exports an OCI layout without pushing, which publishes to the same digest later', async () => {
    const repository = `${RUN}/layout`
    // Outside RUNNER_TEMP, which runAction removes when the step ends (an upload step would run before).
    const layout = join(mkdtempSync(join(tmpdir(), 'bx-layout-')), 'vote-oci')
    tempDirs.push(resolve(layout, '..'))
    const result = await build({ image: `${REGISTRY}/${repository}`, context: 'app', push: 'false', 'oci-layout': layout }, 'refs/heads/feature/faster')
    expect(result.exitCode).toBe(0)
    expect(result.outputs['oci-layout']).toBe(layout)
    expect(existsSync(join(layout, 'oci-layout'))).toBe(true)
    // A cross-build Dockerfile: arm64 builds without registering QEMU (qemu: auto).
    expect(result.stdout).toContain('Emulation: not needed for linux/arm64: every RUN is in a stage on $BUILDPLATFORM')
    expect(result.outputs.tags).toBe('')
    expect(tagsOf(repository)).toEqual([])

    // The layout's single entry is the index over both platforms, named with the version.
    const indexJson = JSON.parse(readFileSync(join(layout, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> }
    expect(indexJson.manifests).toHaveLength(1)
    expect(indexJson.manifests[0]?.digest).toBe(result.outputs.digest)
    expect(indexJson.manifests[0]?.annotations['org.opencontainers.image.ref.name']).toBe(`sha-${SHA.slice(0, 7)}`)
    expect(indexPlatforms(parseIndex(run('skopeo', ['inspect', '--raw', `oci:${layout}`])))).toEqual(['linux/amd64', 'linux/arm64'])

    // What a publish step does with it (skopeo copy --all): the registry gets the same index digest.
    run('skopeo', ['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci:${layout}`, `docker://${REGISTRY}/${repository}:published`])
    const raw = registryManifest(`${REGISTRY}/${repository}:published`) ?? ''
    expect(sha256Digest(raw)).toBe(result.outputs.digest)
    expect(runImage(repository, platformDigest(raw, 'arm64'), 'linux/arm64')).toMatchObject({ arch: 'arm64', elfMachine: 183 })
  })

  it('builds each platform on its own (mode platform, push) and merges the digests into one tagged index (mode merge)', async () => {
    const repository = `${RUN}/split`
    const image = `${REGISTRY}/${repository}`
    const release = 'refs/heads/release/split/v1.4.0'
    const digests: string[] = []
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const result = await build({ image, context: 'app', push: 'true', mode: 'platform', platforms: platform, service: 'split' }, release)
      expect(result.exitCode).toBe(0)
      expect(result.outputs.platforms).toBe(platform)
      localRefs.push(`${image}:buildcache-${platform.replace('/', '-')}`)
      digests.push(result.outputs.digest ?? '')
    }
    // No release tag exists until the merge.
    expect(tagsOf(repository).filter((t) => !t.startsWith('buildcache-'))).toEqual([])

    const merged = await build({ image, push: 'true', mode: 'merge', sources: digests.join('\n'), service: 'split' }, release)
    expect(merged.exitCode).toBe(0)
    expect(merged.outputs.tags).toBe(`${image}:1.4.0-rc.31\n${image}:sha-${SHA.slice(0, 7)}`)
    expect(merged.outputs.version).toBe('1.4.0-rc.31')
    const raw = registryManifest(`${image}:1.4.0-rc.31`) ?? ''
    expect(sha256Digest(raw)).toBe(merged.outputs.digest)
    expect(parseIndex(raw).images.map((d) => d.digest)).toEqual(digests)
    expect(registryManifest(`${image}:sha-${SHA.slice(0, 7)}`)).toBe(raw)
    expect(runImage(repository, digests[1] ?? '', 'linux/arm64')).toMatchObject({ arch: 'arm64', machine: 'aarch64' })

    // The platform jobs' digests come in any order: with the commit time as SOURCE_DATE_EPOCH both
    // orders push one index, amd64 first (issue #14, item 8).
    const epoch = { SOURCE_DATE_EPOCH: '1796014437' }
    const inOrder = await build({ image, push: 'true', mode: 'merge', sources: digests.join('\n'), tags: 'in-order' }, release, epoch)
    const reversed = await build({ image, push: 'true', mode: 'merge', sources: [...digests].reverse().join('\n'), tags: 'reversed' }, release, epoch)
    expect(reversed.exitCode).toBe(0)
    expect(reversed.outputs.digest).toBe(inOrder.outputs.digest)
    expect(parseIndex(registryManifest(`${image}:reversed`) ?? '').images.map((d) => d.digest)).toEqual(digests)

    // Merging only amd64 would tag an index arm64 nodes cannot run: refused before any tag moves.
    const partial = await build({ image, push: 'true', mode: 'merge', sources: digests[0] ?? '', tags: 'amd64-only' }, release)
    expect(partial.exitCode).not.toBe(0)
    expect(partial.errors[0]).toMatch(/^The merged index sha256:[a-f0-9]{64} lacks linux\/arm64 \(it has linux\/amd64\)$/)
    expect(tagsOf(repository)).not.toContain('amd64-only')
  })

  it('merges per-platform OCI layouts without a registry (mode platform + merge, push false)', async () => {
    const repository = `${RUN}/split-layout`
    const image = `${REGISTRY}/${repository}`
    const base = mkdtempSync(join(tmpdir(), 'bx-split-'))
    tempDirs.push(base)
    const layouts: string[] = []
    for (const platform of ['linux/amd64', 'linux/arm64']) {
      const dir = join(base, platform.replace('/', '-'))
      const result = await build({ image, context: 'app', mode: 'platform', platforms: platform, 'oci-layout': dir })
      expect(result.exitCode).toBe(0)
      expect(result.outputs['oci-layout']).toBe(dir)
      expect(result.outputs.platforms).toBe(platform)
      layouts.push(dir)
    }
    const mergedDir = join(base, 'merged')
    const merged = await build({ image, mode: 'merge', sources: layouts.join('\n'), 'oci-layout': mergedDir })
    expect(merged.exitCode).toBe(0)
    expect(merged.outputs.platforms).toBe('linux/amd64,linux/arm64')
    expect(merged.outputs['oci-layout']).toBe(mergedDir)
    expect(tagsOf(repository)).toEqual([])

    run('skopeo', ['copy', '--quiet', '--all', '--dest-tls-verify=false', `oci:${mergedDir}`, `docker://${image}:merged`])
    const raw = registryManifest(`${image}:merged`) ?? ''
    expect(sha256Digest(raw)).toBe(merged.outputs.digest)
    expect(indexPlatforms(parseIndex(raw))).toEqual(['linux/amd64', 'linux/arm64'])
    expect(runImage(repository, platformDigest(raw, 'arm64'), 'linux/arm64')).toMatchObject({ arch: 'arm64', machine: 'aarch64', elfMachine: 183 })

    // The matrix jobs' artifacts arrive in any order: with the commit time as SOURCE_DATE_EPOCH (the
    // index's created annotation) both orders give one index, amd64 first (issue #14, item 8).
    const epoch = { SOURCE_DATE_EPOCH: '1796014437' }
    const inOrder = await build({ image, mode: 'merge', sources: layouts.join('\n'), 'oci-layout': join(base, 'in-order') }, undefined, epoch)
    const reversed = await build({ image, mode: 'merge', sources: [...layouts].reverse().join('\n'), 'oci-layout': join(base, 'reversed') }, undefined, epoch)
    expect(reversed.exitCode).toBe(0)
    expect(reversed.outputs.digest).toBe(inOrder.outputs.digest)
    expect(reversed.outputs.platforms).toBe('linux/amd64,linux/arm64')

    // The same platform twice is refused.
    const twice = await build({ image, mode: 'merge', sources: `${layouts[1]}\n${layouts[1]}`, 'oci-layout': join(base, 'twice') })
    expect(twice.errors[0]).toBe('two sources hold linux/arm64; each mode "platform" job must build another platform')
    expect(existsSync(join(base, 'twice'))).toBe(false)
    expect(existsSync(join(base, 'twice.partial'))).toBe(false)
  })

  it('fails with one clear message and pushes nothing on bad input or a failed platform', async () => {
    const repository = `${RUN}/bad`
    const image = `${REGISTRY}/${repository}`
    const badPlatform = await build({ image, context: 'app', push: 'true', platforms: 'linux/amd64,linux/arm65' })
    expect(badPlatform.exitCode).not.toBe(0)
    expect(badPlatform.errors).toEqual(['Input "platforms": "linux/arm65": unknown architecture "arm65" (known: amd64, arm64, arm, 386, ppc64le, s390x, riscv64, mips64le, loong64)'])

    const noDockerfile = await build({ image, context: '.', push: 'true' })
    expect(noDockerfile.errors[0]).toMatch(/^Input "file": the Dockerfile ".*\/fixtures\/Dockerfile" does not exist/)

    const badTag = await build({ image, context: 'app', push: 'true', tags: 'v1 beta' })
    expect(badTag.errors[0]).toMatch(/^Input "tags": "v1 beta" is not a valid tag/)

    const failed = await build({ image, context: 'fails-on-arm64', push: 'true' })
    localRefs.push(`${image}:buildcache-linux-amd64`)
    expect(failed.exitCode).not.toBe(0)
    expect(failed.stdout).toContain('Emulation: QEMU for linux/arm64: stage 0 RUNs on the target platform')
    expect(failed.errors[0]).toMatch(/^docker buildx build failed \(exit code 1\):[\s\S]*deliberate failure on arm64/)
    // amd64 built, but nothing reached the registry.
    expect(tagsOf(repository)).toEqual([])
    expect(failed.outputs.digest).toBeUndefined()
  })
})
