// Benchmark: time and bytes uploaded for publishing and promoting one multi-arch, app-sized image
// with the acr-push bundle (run as the runner runs it) against the local registries that stand in
// for the non-production (127.0.0.1:5000) and production (127.0.0.1:5001) ACRs.
// Bytes are measured twice: by the action (its outputs) and on the wire, by a counting proxy in
// front of each registry (request bytes of blob uploads; cross-repository mounts it accepted).
//
//   pnpm --filter @aks-gitops/tools run bench:acr-push [-- --source REF] [--layer-mb N] [--baseline REV [--rounds N]]
//
// --source promotes an existing image (e.g. 127.0.0.1:5000/base/node:24) instead of a generated one
// (one shared base layer plus three layers per platform, random bytes so nothing compresses).
// --baseline runs the same steps with the acr-push bundle of another commit too, alternating the
// two bundles over --rounds rounds (default 3) on the same machine at the same time, and prints
// each step's median seconds with the ratio of this bundle to the baseline.
import { execFileSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { errorMessage } from '@aks-gitops/toolkit'
import { REPO_ROOT, runAction } from '@aks-gitops/test-support/action-runner'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startCountingProxy, type CountingProxy } from '@aks-gitops/test-support/registry'
import { median } from './lib/median'

const { values } = parseArgs({
  // pnpm passes the `--` of `pnpm run bench:acr-push -- --source ...` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    source: { type: 'string' },
    'layer-mb': { type: 'string', default: '8' },
    staging: { type: 'string', default: '5000' },
    production: { type: 'string', default: '5001' },
    baseline: { type: 'string' },
    rounds: { type: 'string', default: '3' },
  },
})

interface Row {
  step: string
  seconds: number
  uploadedWire: number
  mountsWire: number
  uploadedAction: string
  mountedAction: string
  /** measured | inferred | no-copy: how the action obtained its two figures. */
  basisAction: string
  digest: string
}

const MiB = 1024 * 1024
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`

async function step(action: string, name: string, proxy: CountingProxy, inputs: Record<string, string>): Promise<Row> {
  proxy.reset()
  const started = performance.now()
  const run = await runAction({ action, inputs: { auth: 'none', 'require-platforms': 'linux/amd64,linux/arm64', ...inputs } })
  const seconds = (performance.now() - started) / 1000
  if (run.exitCode !== 0) throw new Error(`${name} failed:\n${run.errors.join('\n')}\n${run.stdout.slice(-3000)}`)
  return {
    step: name,
    seconds,
    uploadedWire: proxy.traffic.uploadedBytes,
    mountsWire: proxy.traffic.mounts,
    uploadedAction: run.outputs['bytes-uploaded'] ?? '?',
    mountedAction: run.outputs['bytes-mounted'] ?? '?',
    basisAction: run.outputs['bytes-basis'] ?? '?',
    digest: run.outputs.digest ?? '?',
  }
}

/** The acr-push folder (action.yml + dist/) of another commit, extracted into a temporary directory. */
function extractBundle(rev: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'bench-acr-push-baseline-'))
  const archive = execFileSync('git', ['archive', '--format=tar', rev, 'actions/acr-push/action.yml', 'actions/acr-push/dist'], { cwd: REPO_ROOT, maxBuffer: 512 * 1024 * 1024 })
  execFileSync('tar', ['-x', '-C', dir], { input: archive })
  return join(dir, 'actions/acr-push')
}

interface Scenario {
  staging: CountingProxy
  production: CountingProxy
  /** The image to promote: a new generated layout each round (published first), or --source. */
  newLayout?: () => string
  source?: string
}

/** One round of every step with one bundle, into repositories of its own. */
async function round(action: string, scenario: Scenario, id: string): Promise<Row[]> {
  const { staging, production } = scenario
  const rows: Row[] = []
  let source = scenario.source
  if (scenario.newLayout) {
    // Random bytes of its own: no blob of it is in either registry yet, whichever bundle runs first.
    rows.push(await step(action, 'publish layout -> staging (skopeo)', staging, { source: scenario.newLayout(), destination: `${staging.host}/bench-${id}/vote`, tags: '1.0.0-rc.1' }))
    source = `${staging.host}/bench-${id}/vote:1.0.0-rc.1`
  }
  if (!source) throw new Error('nothing to promote')
  rows.push(await step(action, 'promote staging -> production registry (skopeo)', production, { source, destination: `${production.host}/bench-${id}/vote`, tags: '1.0.0' }))
  rows.push(await step(action, 'promote within the staging registry (imagetools mounts)', staging, { source, destination: `${staging.host}/bench-${id}/vote-prod`, tags: '1.0.0' }))
  // Retag the bench's own copy, never the given image's repository.
  const copy = `${staging.host}/bench-${id}/vote-prod`
  rows.push(await step(action, 'retag in place (skopeo carbon copy)', staging, { source: `${copy}:1.0.0`, destination: copy, tags: 'stable' }))
  return rows
}

/** Bytes and digests of this bundle's round: what the README promises, checked on the wire. */
function check(rows: Row[]): void {
  const digests = new Set(rows.map((r) => r.digest))
  console.log(`\nindex digest everywhere: ${[...digests].join(', ')}${digests.size === 1 ? ' (preserved)' : ' (DIFFERS!)'}`)
  const within = rows.find((r) => r.step.startsWith('promote within'))
  // The action infers its figures for this step (buildx reports nothing per blob): the wire checks the inference.
  if (within && within.uploadedWire !== 0) throw new Error(`a promotion within one registry uploaded ${within.uploadedWire} bytes; expected none`)
  for (const r of rows.filter((row) => row.basisAction === 'measured')) {
    if (String(r.uploadedWire) !== r.uploadedAction) throw new Error(`${r.step}: the action measured ${r.uploadedAction} bytes uploaded, the wire saw ${r.uploadedWire}`)
  }
  if (digests.size !== 1) throw new Error('the digest changed between registries')
}

function printRows(title: string, rows: Row[]): void {
  console.log(`\n${title}`)
  console.log('| step | seconds | uploaded (wire) | blob mounts (wire) | uploaded (action) | mounted (action) | basis (action) |')
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |')
  for (const r of rows) {
    console.log(`| ${r.step} | ${r.seconds.toFixed(2)} | ${r.uploadedWire} B (${mib(r.uploadedWire)}) | ${r.mountsWire} | ${r.uploadedAction} B | ${r.mountedAction} B | ${r.basisAction} |`)
  }
}

/** Per step: this bundle's and the baseline's seconds over every round, their medians and ratio. */
function printComparison(rev: string, current: Row[][], baseline: Row[][]): void {
  console.log(`\nthis bundle against ${rev}'s, ${current.length} alternating rounds (seconds; ratio < 1 is faster)`)
  console.log('| step | this bundle | baseline | median ratio | bytes uploaded (wire): this / baseline |')
  console.log('| --- | --- | --- | ---: | --- |')
  for (const [index, row] of (current[0] ?? []).entries()) {
    const ours = current.map((rows) => rows[index]?.seconds ?? NaN)
    const theirs = baseline.map((rows) => rows[index]?.seconds ?? NaN)
    const bytes = `${row.uploadedWire} / ${baseline[0]?.[index]?.uploadedWire ?? '?'}`
    console.log(`| ${row.step} | ${ours.map((v) => v.toFixed(2)).join(', ')} | ${theirs.map((v) => v.toFixed(2)).join(', ')} | ${(median(ours) / median(theirs)).toFixed(2)} | ${bytes} |`)
  }
}

async function main(): Promise<void> {
  const staging = await startCountingProxy(Number(values.staging))
  const production = await startCountingProxy(Number(values.production))
  const id = randomBytes(4).toString('hex')
  const scenario: Scenario = { staging, production }
  const layoutsDir = mkdtempSync(join(tmpdir(), 'bench-acr-push-'))
  let baselineDir: string | undefined
  try {
    let imageBytes: number | undefined
    if (values.source) {
      // A given image's blobs are in the production registry after the first round: later rounds would upload nothing.
      if (values.baseline) throw new Error('--baseline compares on generated images only (a --source image is uploaded once, then found)')
      // Make the given image reachable through the counting proxy (same registry storage behind it).
      scenario.source = values.source.replace(`127.0.0.1:${values.staging}/`, `${staging.host}/`)
    } else {
      const layerBytes = Number(values['layer-mb']) * MiB
      let count = 0
      scenario.newLayout = () => {
        const dir = join(layoutsDir, String(count++))
        const layout = writeLayout(dir, {
          platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
          layers: 3,
          layerBytes,
          sharedLayerBytes: 2 * layerBytes,
          attestations: true,
        })
        imageBytes = layout.blobBytes
        console.log(`image: generated OCI layout, ${layout.blobs.size} blobs, ${mib(layout.blobBytes)} of configs and layers, index ${layout.indexDigest}`)
        return dir
      }
    }
    const title = () => `acr-push benchmark (${imageBytes ? `generated image, ${mib(imageBytes)}` : values.source}), bundle run as the runner runs it`

    if (!values.baseline) {
      const rows = await round('actions/acr-push', scenario, id)
      printRows(title(), rows)
      check(rows)
      return
    }
    const rounds = Number(values.rounds)
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds ${values.rounds}: expected a whole number of at least 1`)
    baselineDir = extractBundle(values.baseline)
    const current: Row[][] = []
    const baseline: Row[][] = []
    for (let n = 0; n < rounds; n++) {
      // Alternate which bundle goes first, so neither always runs on a warmer machine.
      const order = n % 2 === 0 ? ['current', 'baseline'] : ['baseline', 'current']
      for (const which of order) {
        if (which === 'current') current.push(await round('actions/acr-push', scenario, `${id}-${n}-now`))
        else baseline.push(await round(baselineDir, scenario, `${id}-${n}-base`))
      }
    }
    printRows(`${title()}: this bundle, round 1`, current[0] ?? [])
    check(current[0] ?? [])
    printComparison(values.baseline, current, baseline)
  } finally {
    await staging.stop()
    await production.stop()
    rmSync(layoutsDir, { recursive: true, force: true })
    if (baselineDir) rmSync(join(baselineDir, '../..'), { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(errorMessage(error))
  process.exit(1)
})
