// Benchmark: how fast one app image builds for arm64 on an amd64 machine with the cross-build
// pattern (dependencies installed on $BUILDPLATFORM, only the runtime stage emulated) against
// the same Dockerfile with every stage on the target platform (npm/pnpm under QEMU), amd64 vs
// arm64, and a no-change rebuild vs a cold build. One run prints all figures side by side.
//
//   pnpm --filter @aks-gitops/tools run bench:buildx [-- --dockerfile apps/Dockerfile --context .]
//
// The app is vote (apps/Dockerfile with SERVICE=vote, context = the repository root, as the pipeline builds it).
// Base images: the local stand-ins (tools/engine/base-images.sh), passed as build arguments.
// "Cold" means --no-cache (no build cache; base image layers stay in the engine, as on a runner
// that pulled them). The emulated variant is derived from the same Dockerfile by dropping
// `--platform=$BUILDPLATFORM` from its FROM lines, so both variants always build the same app.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { BASE_REGISTRY, baseImageBuildArgs, baseImages } from '@aks-gitops/test-support/base-images'

const REGISTRY = process.env.REGISTRY ?? BASE_REGISTRY

const { values } = parseArgs({
  options: {
    dockerfile: { type: 'string' },
    context: { type: 'string' },
  },
})

const dockerfile = resolve(REPO_ROOT, values.dockerfile ?? 'apps/Dockerfile')
const context = resolve(REPO_ROOT, values.context ?? '.')
const baseImage = baseImages(REGISTRY)
// Both argument names the repository's Dockerfiles use for the runtime and build images
// (apps/Dockerfile's two; buildx-multiarch's test fixtures call the build image BUILD_IMAGE).
const buildArgs = [
  ...baseImageBuildArgs(baseImage),
  `BUILD_IMAGE=${baseImage.build}`,
  // apps/Dockerfile builds the service this argument names (others ignore it).
  'SERVICE=vote',
]
const IMAGE = `bench-buildx-${process.pid}`
const tags: string[] = []

/** The same Dockerfile with every stage on the target platform: dependencies install under QEMU. */
function emulatedVariant(text: string): string {
  const variant = text.replace(/^(\s*FROM\s+)--platform=\$(?:\{BUILDPLATFORM\}|BUILDPLATFORM)\s+/gim, '$1')
  if (variant === text) throw new Error('the Dockerfile has no FROM --platform=$BUILDPLATFORM stage: it does not use the cross-build pattern')
  return variant
}

interface Timing {
  seconds: number
  steps: number
  cached: number
}

function build(name: string, file: string, platform: string, cold: boolean): Timing {
  const tag = `${IMAGE}:${name}`
  tags.push(tag)
  const args = ['buildx', 'build', '--progress', 'plain', '--platform', platform, '--file', file, '--tag', tag]
  for (const arg of buildArgs) args.push('--build-arg', arg)
  if (cold) args.push('--no-cache')
  args.push(context)
  process.stderr.write(`[bench] ${name}: docker ${args.join(' ')}\n`)
  const started = process.hrtime.bigint()
  const result = spawnSync('docker', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const log = `${result.stderr}${result.stdout}`
  if (result.status !== 0) throw new Error(`${name} failed:\n${log.trim().split('\n').slice(-25).join('\n')}`)
  const steps = new Set([...log.matchAll(/^#(\d+) \[[^\]]*\b\d+\/\d+\] (?!FROM )/gm)].map((m) => m[1]))
  const cached = new Set([...log.matchAll(/^#(\d+) CACHED\s*$/gm)].map((m) => m[1]).filter((id) => steps.has(id)))
  return { seconds, steps: steps.size, cached: cached.size }
}

function main(): void {
  execFileSync('bash', [join(REPO_ROOT, 'tools/engine/start.sh'), '--quiet'], { stdio: 'inherit' })
  execFileSync('bash', [join(REPO_ROOT, 'tools/engine/base-images.sh')], { stdio: 'inherit' })
  const temp = mkdtempSync(join(tmpdir(), 'bench-buildx-'))
  const emulatedFile = join(temp, 'Dockerfile.emulated')
  writeFileSync(emulatedFile, emulatedVariant(readFileSync(dockerfile, 'utf8')))
  // BuildKit looks for <Dockerfile>.dockerignore next to a Dockerfile outside the context.
  if (existsSync(join(context, '.dockerignore'))) writeFileSync(`${emulatedFile}.dockerignore`, readFileSync(join(context, '.dockerignore')))

  try {
    const coldAmd64 = build('cold-amd64', dockerfile, 'linux/amd64', true)
    const coldArm64 = build('cold-arm64', dockerfile, 'linux/arm64', true)
    const emulatedArm64 = build('emulated-arm64', emulatedFile, 'linux/arm64', true)
    // Prime the cache exactly as a previous pipeline run would, then rebuild with no change.
    build('prime-amd64', dockerfile, 'linux/amd64', false)
    build('prime-arm64', dockerfile, 'linux/arm64', false)
    const rebuildAmd64 = build('rebuild-amd64', dockerfile, 'linux/amd64', false)
    const rebuildArm64 = build('rebuild-arm64', dockerfile, 'linux/arm64', false)

    const cold = coldAmd64.seconds + coldArm64.seconds
    const rebuild = rebuildAmd64.seconds + rebuildArm64.seconds
    const row = (label: string, t: Timing) => `  ${label.padEnd(46)} ${t.seconds.toFixed(1).padStart(7)} s   ${t.cached}/${t.steps} steps cached`
    const ratio = (label: string, value: string, target: string, ok?: boolean) =>
      `  ${label.padEnd(46)} ${value.padStart(9)}   ${target}${ok === undefined ? '' : ok ? '  PASS' : '  MISS'}`
    const armVsAmd = coldArm64.seconds / coldAmd64.seconds
    const rebuildShare = rebuild / cold
    console.log(`\nbuildx benchmark: ${relative(REPO_ROOT, dockerfile)} (context ${relative(REPO_ROOT, context) || '.'}), host ${process.arch}, ${cpus().length} CPUs`)
    console.log(`engine: ${execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8' }).trim()}, ${execFileSync('docker', ['buildx', 'version'], { encoding: 'utf8' }).trim()}\n`)
    console.log('builds')
    console.log(row('cold amd64, cross-build', coldAmd64))
    console.log(row('cold arm64, cross-build', coldArm64))
    console.log(row('cold arm64, dependencies under emulation', emulatedArm64))
    console.log(row('no-change rebuild amd64', rebuildAmd64))
    console.log(row('no-change rebuild arm64', rebuildArm64))
    console.log('\nratios')
    console.log(ratio('arm64 / amd64 (cross-build, cold)', `${armVsAmd.toFixed(2)}x`, 'target <= 1.5x', armVsAmd <= 1.5))
    console.log(ratio('arm64 emulated / arm64 cross-build (cold)', `${(emulatedArm64.seconds / coldArm64.seconds).toFixed(2)}x`, 'what the cross-build pattern saves'))
    console.log(ratio('no-change rebuild / cold build (amd64+arm64)', `${(rebuildShare * 100).toFixed(1)}%`, 'target < 10%', rebuildShare < 0.1))
  } finally {
    for (const tag of tags) spawnSync('docker', ['image', 'rm', '--force', tag])
    rmSync(temp, { recursive: true, force: true })
  }
}

main()
