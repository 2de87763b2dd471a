// Benchmark: wall time of `pnpm pipeline vote` (release/vote/v1.0.0 -> staging), split per step,
// in three runs side by side:
//   cold    - empty build cache (docker buildx prune), fresh registry namespace and GitOps remote
//   warm    - the same again, nothing changed
//   change  - a one-line change to apps/vote/src, both architectures rebuilt
// It builds a copy of HEAD (git archive), so the edit never touches this work tree.
// Targets (issue #8): warm < 60 s; one-line change < 180 s.
//
//   pnpm --filter @aks-gitops/tools run bench:pipeline [--keep-cache]
//
// --keep-cache skips the prune, so "cold" only means a fresh registry and remote (the build cache
// of other work on this machine survives).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { REPO_ROOT } from '../src/action-runner'

// `pnpm run x -- --flag` passes the `--` through: drop it.
const { values } = parseArgs({ args: process.argv.slice(2).filter((a) => a !== '--'), options: { 'keep-cache': { type: 'boolean', default: false } } })

interface Run {
  name: string
  total: number
  steps: Record<string, number>
  digest: string
}

const stateDir = mkdtempSync(join(tmpdir(), 'bench-pipeline-'))
const namespace = `bench-${Date.now().toString(36)}`

const source = copyOfHead()

function pipeline(name: string): Run {
  const started = performance.now()
  const run = spawnSync(
    'pnpm',
    ['--silent', '--filter', '@aks-gitops/tools', 'run', 'pipeline', 'vote', '--no-test', '--source', source, '--registry', `127.0.0.1:5000/${namespace}`, '--production-registry', `127.0.0.1:5001/${namespace}`],
    { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, PIPELINE_STATE_DIR: stateDir, CI: 'true' } },
  )
  const total = (performance.now() - started) / 1000
  if (run.status !== 0) throw new Error(`${name} run failed:\n${run.stdout}\n${run.stderr}`)
  const summary = JSON.parse(readFileSync(join(stateDir, 'last-run-vote.json'), 'utf8')) as {
    timings: { name: string; seconds: number }[]
    results: { digest?: string }[]
  }
  return { name, total, steps: Object.fromEntries(summary.timings.map((t) => [t.name, t.seconds])), digest: summary.results[0]?.digest ?? '' }
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

function main(): void {
  if (!values['keep-cache']) execFileSync('docker', ['buildx', 'prune', '--all', '--force'], { stdio: 'ignore' })
  const cold = pipeline('cold')
  const warm = pipeline('warm')
  makeOneLineChange(source)
  const runs = [cold, warm, pipeline('change')]
  const steps = [...new Set(runs.flatMap((r) => Object.keys(r.steps)))]
  const change = runs[2] as Run
  // The change must reach the image, or the "change" column would only time another warm run.
  if (change.digest === warm.digest) throw new Error(`the one-line change did not change the image (${change.digest})`)

  console.log(`\npnpm pipeline vote (release/vote/v1.0.0 -> staging, linux/amd64 + linux/arm64), seconds${values['keep-cache'] ? ' (build cache kept)' : ''}`)
  console.log(['step'.padEnd(10), ...runs.map((r) => r.name.padStart(9))].join(''))
  for (const step of steps) console.log([step.padEnd(10), ...runs.map((r) => (r.steps[step]?.toFixed(1) ?? '-').padStart(9))].join(''))
  console.log(['total'.padEnd(10), ...runs.map((r) => r.total.toFixed(1).padStart(9))].join(''))
  console.log(['digest'.padEnd(10), ...runs.map((r) => r.digest.slice(7, 15).padStart(9))].join(''))
  console.log(`\nwarm / cold:   ${(warm.total / cold.total).toFixed(2)}x   (target: warm < 60 s: ${warm.total < 60 ? 'met' : 'MISSED'})`)
  console.log(`change / cold: ${(change.total / cold.total).toFixed(2)}x   (target: one-line change < 180 s: ${change.total < 180 ? 'met' : 'MISSED'})`)
}

try {
  main()
} finally {
  rmSync(stateDir, { recursive: true, force: true })
  rmSync(source, { recursive: true, force: true })
}
