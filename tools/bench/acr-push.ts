// Benchmark: time and bytes uploaded for publishing and promoting one multi-arch, app-sized image
// with the acr-push bundle (run as the runner runs it) against the local registries that stand in
// for the non-production (127.0.0.1:5000) and production (127.0.0.1:5001) ACRs.
// Bytes are measured twice: by the action (its outputs) and on the wire, by a counting proxy in
// front of each registry (request bytes of blob uploads; cross-repository mounts it accepted).
//
//   pnpm --filter @aks-gitops/tools run bench:acr-push [-- --source REF] [--layer-mb N]
//
// --source promotes an existing image (e.g. 127.0.0.1:5000/base/node:24) instead of a generated one
// (one shared base layer plus three layers per platform, random bytes so nothing compresses).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { runAction } from '../src/action-runner'
import { writeLayout } from '../../actions/acr-push/test/helpers/layout'
import { startCountingProxy, type CountingProxy } from '../../actions/acr-push/test/helpers/registry'

const { values } = parseArgs({
  // pnpm passes the `--` of `pnpm run bench:acr-push -- --source ...` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    source: { type: 'string' },
    'layer-mb': { type: 'string', default: '8' },
    staging: { type: 'string', default: '5000' },
    production: { type: 'string', default: '5001' },
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

async function step(name: string, proxy: CountingProxy, inputs: Record<string, string>): Promise<Row> {
  proxy.reset()
  const started = performance.now()
  const run = await runAction({ action: 'actions/acr-push', inputs: { auth: 'none', 'require-platforms': 'linux/amd64,linux/arm64', ...inputs } })
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

async function main(): Promise<void> {
  const staging = await startCountingProxy(Number(values.staging))
  const production = await startCountingProxy(Number(values.production))
  const id = randomBytes(4).toString('hex')
  const rows: Row[] = []
  let layoutDir: string | undefined
  try {
    let source = values.source
    let imageBytes: number | undefined
    if (source) {
      // Make the given image reachable through the counting proxy (same registry storage behind it).
      source = source.replace(`127.0.0.1:${values.staging}/`, `${staging.host}/`)
    } else {
      const layerBytes = Number(values['layer-mb']) * MiB
      layoutDir = mkdtempSync(join(tmpdir(), 'bench-acr-push-'))
      const layout = writeLayout(layoutDir, {
        platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
        layers: 3,
        layerBytes,
        sharedLayerBytes: 2 * layerBytes,
        attestations: true,
      })
      imageBytes = layout.blobBytes
      console.log(`image: generated OCI layout, ${layout.blobs.size} blobs, ${mib(layout.blobBytes)} of configs and layers, index ${layout.indexDigest}`)
      rows.push(await step('publish layout -> staging (skopeo)', staging, { source: layoutDir, destination: `${staging.host}/bench-${id}/vote`, tags: '1.0.0-rc.1' }))
      source = `${staging.host}/bench-${id}/vote:1.0.0-rc.1`
    }
    rows.push(await step('promote staging -> production registry (skopeo)', production, { source, destination: `${production.host}/bench-${id}/vote`, tags: '1.0.0' }))
    rows.push(await step('promote within the staging registry (imagetools mounts)', staging, { source, destination: `${staging.host}/bench-${id}/vote-prod`, tags: '1.0.0' }))
    // Retag the bench's own copy, never the given image's repository.
    const copy = `${staging.host}/bench-${id}/vote-prod`
    rows.push(await step('retag in place (skopeo carbon copy)', staging, { source: `${copy}:1.0.0`, destination: copy, tags: 'stable' }))

    console.log(`\nacr-push benchmark (${imageBytes ? `generated image, ${mib(imageBytes)}` : values.source}), bundle run as the runner runs it`)
    console.log('| step | seconds | uploaded (wire) | blob mounts (wire) | uploaded (action) | mounted (action) | basis (action) |')
    console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |')
    for (const r of rows) {
      console.log(`| ${r.step} | ${r.seconds.toFixed(2)} | ${r.uploadedWire} B (${mib(r.uploadedWire)}) | ${r.mountsWire} | ${r.uploadedAction} B | ${r.mountedAction} B | ${r.basisAction} |`)
    }
    const digests = new Set(rows.map((r) => r.digest))
    console.log(`\nindex digest everywhere: ${[...digests].join(', ')}${digests.size === 1 ? ' (preserved)' : ' (DIFFERS!)'}`)
    const within = rows.find((r) => r.step.startsWith('promote within'))
    // The action infers its figures for this step (buildx reports nothing per blob): the wire checks the inference.
    if (within && within.uploadedWire !== 0) throw new Error(`a promotion within one registry uploaded ${within.uploadedWire} bytes; expected none`)
    for (const r of rows.filter((row) => row.basisAction === 'measured')) {
      if (String(r.uploadedWire) !== r.uploadedAction) throw new Error(`${r.step}: the action measured ${r.uploadedAction} bytes uploaded, the wire saw ${r.uploadedWire}`)
    }
    if (digests.size !== 1) throw new Error('the digest changed between registries')
  } finally {
    await staging.stop()
    await production.stop()
    if (layoutDir) rmSync(layoutDir, { recursive: true, force: true })
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error))
  process.exit(1)
})
