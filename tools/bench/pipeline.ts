// Benchmark: `pnpm pipeline vote` (develop -> staging by default), split per step, in four runs:
//   cold-1  - empty build cache (docker builder prune), fresh registry namespace and GitOps remote
//   cold-2  - the build cache pruned again, same commit, same namespace and remote: a re-run on a
//             runner without a warm cache. Same commit, same image: same index digest, and
//             bump-manifest finds nothing to change (issue #14, item 8)
//   warm    - the same again with the cache kept: no manifest commit either (target < 60 s)
//   change  - a one-line change to apps/vote/src, both architectures rebuilt (target < 180 s)
// The runs use tools/engine/next-engine.sh (dockerd 26.1 with the containerd image store, whose
// BuildKit honours SOURCE_DATE_EPOCH and rewrite-timestamp), and one cold build on the default
// engine (dockerd 20.10, which ignores both) is timed first as today's baseline. --engine default
// runs the four on the default engine instead (no baseline column).
// It builds a copy of HEAD (git archive), so the edit never touches this work tree. Only build
// cache is pruned (`docker builder prune`): images and containers of other work stay.
//
//   pnpm --filter @aks-gitops/tools run bench:pipeline [--engine next|default] [--ref develop] [--keep-cache]
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

// `pnpm run x -- --flag` passes the `--` through: drop it.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a) => a !== '--'),
  options: {
    'keep-cache': { type: 'boolean', default: false },
    engine: { type: 'string', default: 'next' },
    ref: { type: 'string', default: 'develop' },
  },
})
if (values.engine !== 'default' && values.engine !== 'next') throw new Error(`--engine "${values.engine}": expected default or next`)

interface Run {
  name: string
  total: number
  steps: Record<string, number>
  /** The index the pipeline published and deployed. */
  digest: string
  /** The index the build step produced (with provenance on, a new one each build; acr-push keeps an equivalent published one). */
  builtDigest: string
  /** The platform manifests of the index (the digests that stay equal when provenance differs). */
  platformDigests: string[]
  /** The commit bump-manifest made, or undefined when it found nothing to change. */
  manifestCommit?: string
}

interface Engine {
  /** The pipeline's --engine value. */
  which: 'next' | 'default'
  name: string
  env: Record<string, string>
}

const stateDir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'))
const namespace = `bench-${Date.now().toString(36)}`
const source = copyOfHead()

function engineEnv(which: string): Engine {
  if (which === 'default') return { which, name: `default engine (dockerd ${serverVersion({})})`, env: {} }
  const out = execFileSync('bash', [join(REPO_ROOT, 'tools/engine/next-engine.sh'), 'start'], { encoding: 'utf8' })
  const host = /DOCKER_HOST=(\S+)/.exec(out)?.[1]
  if (!host) throw new Error(`next-engine.sh printed no DOCKER_HOST:\n${out}`)
  return { which: 'next', name: `next engine (dockerd ${serverVersion({ DOCKER_HOST: host })}, containerd image store)`, env: { DOCKER_HOST: host } }
}

function serverVersion(env: Record<string, string>): string {
  return execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', env: { ...process.env, ...env } }).trim()
}

function pruneBuildCache(engine: Engine): void {
  if (!values['keep-cache']) execFileSync('docker', ['builder', 'prune', '--all', '--force'], { stdio: 'ignore', env: { ...process.env, ...engine.env } })
}

function platformDigestsOf(digest: string): string[] {
  const raw = execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--raw', `127.0.0.1:5000/${namespace}/vote@${digest}`], { encoding: 'utf8' })
  const index = JSON.parse(raw) as { manifests?: Array<{ digest: string; platform?: { os: string; architecture: string } }> }
  return (index.manifests ?? []).filter((m) => m.platform && m.platform.os !== 'unknown').map((m) => `${m.platform?.os}/${m.platform?.architecture} ${m.digest}`)
}

function pipeline(name: string, engine: Engine, dir = stateDir, ns = namespace): Run {
  const started = performance.now()
  const run = spawnSync(
    'pnpm',
    ['--silent', '--filter', '@aks-gitops/tools', 'run', 'pipeline', 'vote', '--ref', values.ref, '--no-test', '--source', source, '--registry', `127.0.0.1:5000/${ns}`, '--production-registry', `127.0.0.1:5001/${ns}`, '--engine', engine.which],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, ...engine.env, PIPELINE_STATE_DIR: dir, CI: 'true' } },
  )
  const total = (performance.now() - started) / 1000
  if (run.status !== 0) throw new Error(`${name} run failed:\n${run.stdout}\n${run.stderr}`)
  const summary = JSON.parse(readFileSync(join(dir, 'last-run-vote.json'), 'utf8')) as {
    timings: { name: string; seconds: number }[]
    results: { digest?: string; builtDigest?: string; manifestCommit?: string; previousCommit?: string }[]
  }
  const result = summary.results[0]
  const digest = result?.digest ?? ''
  const made = result?.manifestCommit && result.manifestCommit !== result.previousCommit ? result.manifestCommit : undefined
  return {
    name,
    total,
    steps: Object.fromEntries(summary.timings.map((t) => [t.name, t.seconds])),
    digest,
    builtDigest: result?.builtDigest ?? '',
    platformDigests: dir === stateDir && digest ? platformDigestsOf(digest) : [],
    ...(made ? { manifestCommit: made } : {}),
  }
}

// The benchmark builds a copy of HEAD, never this work tree, so its edit cannot leak into anyone's commit.
function copyOfHead(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-source-'))
  const archive = execFileSync('git', ['archive', '--format=tar', 'HEAD'], { cwd: REPO_ROOT, maxBuffer: 1 << 30 })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  return dir
}

// A real one-line change in the copy: the default of the first option (so the bundle, and the image, change).
function makeOneLineChange(source: string): void {
  const file = join(source, 'apps/vote/src/config.ts')
  const original = readFileSync(file, 'utf8')
  if (!original.includes("'Cats'")) throw new Error(`${file} no longer has the 'Cats' default this benchmark edits`)
  writeFileSync(file, original.replace("'Cats'", `'Cats ${Date.now()}'`))
}

/** Today's cold build on the default engine, in a state directory and namespace of its own. */
function baseline(): Run {
  const engine = engineEnv('default')
  const dir = mkdtempSync(join(tmpdir(), 'bench-pipeline-baseline-'))
  try {
    pruneBuildCache(engine)
    return pipeline('baseline', engine, dir, `${namespace}-baseline`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const yesNo = (ok: boolean) => (ok ? 'yes' : 'NO')

function main(): void {
  const base = values.engine === 'next' ? baseline() : undefined
  const engine = engineEnv(values.engine)
  pruneBuildCache(engine)
  const cold1 = pipeline('cold-1', engine)
  pruneBuildCache(engine)
  const cold2 = pipeline('cold-2', engine)
  const warm = pipeline('warm', engine)
  makeOneLineChange(source)
  const change = pipeline('change', engine)
  const runs = [...(base ? [base] : []), cold1, cold2, warm, change]
  // The change must reach the image, or the "change" column would only time another warm run.
  if (change.digest === warm.digest) throw new Error(`the one-line change did not change the image (${change.digest})`)

  const steps = [...new Set(runs.flatMap((r) => Object.keys(r.steps)))]
  console.log(`\npnpm pipeline vote --ref ${values.ref} (linux/amd64 + linux/arm64) on the ${engine.name}, seconds${values['keep-cache'] ? ' (build cache kept)' : ''}`)
  if (base) console.log('(baseline: one cold run on the default engine, dockerd 20.10)')
  console.log(['step'.padEnd(10), ...runs.map((r) => r.name.padStart(10))].join(''))
  for (const step of steps) console.log([step.padEnd(10), ...runs.map((r) => (r.steps[step]?.toFixed(1) ?? '-').padStart(10))].join(''))
  console.log(['total'.padEnd(10), ...runs.map((r) => r.total.toFixed(1).padStart(10))].join(''))
  console.log(['built'.padEnd(10), ...runs.map((r) => r.builtDigest.slice(7, 15).padStart(10))].join(''))
  console.log(['published'.padEnd(10), ...runs.map((r) => r.digest.slice(7, 15).padStart(10))].join(''))
  console.log(['commit'.padEnd(10), ...runs.map((r) => (r.manifestCommit?.slice(0, 8) ?? 'none').padStart(10))].join(''))

  const sameIndex = cold1.digest === cold2.digest
  const samePlatforms = cold1.platformDigests.join() === cold2.platformDigests.join() && cold1.platformDigests.length > 0
  const coldBuild = cold2.steps.build ?? NaN
  const baselineBuild = base?.steps.build ?? cold1.steps.build ?? NaN
  console.log(`\ntwo cold builds of one commit: published index ${cold1.digest.slice(0, 19)}… / ${cold2.digest.slice(0, 19)}…  same: ${yesNo(sameIndex)}`)
  const sameBuilt = cold1.builtDigest === cold2.builtDigest
  const why = !sameBuilt && samePlatforms ? ' (only the provenance differs: it records each build\'s start time and invocation ID)' : ''
  console.log(`  built index ${cold1.builtDigest.slice(0, 19)}… / ${cold2.builtDigest.slice(0, 19)}…  same: ${yesNo(sameBuilt)}${why}`)
  console.log(`  platform manifests: ${cold2.platformDigests.map((p) => p.replace(/ sha256:(.{12}).*/, ' $1…')).join(', ')}  same: ${yesNo(samePlatforms)}`)
  console.log(`  second cold run made a manifest commit: ${cold2.manifestCommit ?? 'none'}`)
  console.log(`warm re-run: ${warm.total.toFixed(1)} s (target < 60 s: ${warm.total < 60 ? 'met' : 'MISSED'}), manifest commit: ${warm.manifestCommit ?? 'none'}`)
  console.log(`cold build step: ${coldBuild.toFixed(1)} s; baseline (today's ${base ? 'default engine' : 'cold-1'}): ${baselineBuild.toFixed(1)} s`)
  console.log(`one-line change: ${change.total.toFixed(1)} s (target < 180 s: ${change.total < 180 ? 'met' : 'MISSED'})`)
  const met = sameIndex && !cold2.manifestCommit && !warm.manifestCommit
  console.log(`same commit, same image (same digest, no manifest commit): ${met ? 'met' : 'MISSED'}`)
}

try {
  main()
} finally {
  rmSync(stateDir, { recursive: true, force: true })
  rmSync(source, { recursive: true, force: true })
}
