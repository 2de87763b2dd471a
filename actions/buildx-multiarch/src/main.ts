// Reads the inputs, sets up the builder and QEMU, builds each platform (or merges per-platform
// digests), checks the result holds every requested platform, then sets outputs and the summary.
import { randomBytes } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import * as core from '@actions/core'
import { blobPath, errorMessage, formatPlatform, indexPlatforms, manifestSize, missingPlatforms, parseIndex, parsePlatform, REF_NAME_ANNOTATION, type IndexContents, type Platform } from '@aks-gitops/toolkit'
import { capabilitiesOf, emulationNeed, emulationPlan, hostArchitecture, needsContainerBuilder, type BuilderInfo, type Capabilities } from './capabilities'
import { binfmtEntries, containerdImageStore, createContainerBuilder, dryRunMerge, inspectBuilder, installBinfmt, merge, pushImage, readManifest, removeBuilder, runBuild } from './docker'
import { stagesNeedingEmulation } from './dockerfile'
import { loadSettings, type Settings } from './inputs'
import { exportLayoutFromEngine, mergeLayouts, type LayoutImage } from './layout'
import { builderName, cachePlan, mergeArgs, planBuilds, type BuildInvocation } from './plan'
import { sourcesInPlatformOrder } from './reproducible'
import { cacheStats, metadataJson, renderSummary, type ActionResult, type PlatformResult } from './summary'

const env = process.env
/** The state key naming the builder main created: the post step removes it. */
const STATE_BUILDER = 'builder'

async function setUpBuilder(settings: Settings): Promise<{ builder: BuilderInfo; caps: Capabilities }> {
  let builder = await inspectBuilder(settings.builder)
  if (needsContainerBuilder(settings.driver, builder, env)) {
    const name = builderName(env, randomBytes(4).toString('hex'))
    core.info(`The builder "${builder.name}" uses the docker driver: creating the docker-container builder "${name}" on ${settings.buildkitImage} (multi-platform, cache export, attestations)`)
    // Saved before creating: a creation that fails half-way is removed by the post step too.
    core.saveState(STATE_BUILDER, name)
    builder = await createContainerBuilder(name, settings.buildkitImage)
  }
  const containerd = builder.driver === 'docker' && (await containerdImageStore())
  const caps = capabilitiesOf(builder.driver, containerd)
  core.info(`Builder "${builder.name}": ${builder.driver} driver${containerd ? ' (containerd image store)' : ''}; platforms ${builder.platforms.join(', ') || 'unknown'}`)
  if (!caps.multiPlatform) core.info('This builder builds one platform per invocation: each platform is built on its own, then merged into one index.')
  return { builder, caps }
}

async function setUpEmulation(settings: Settings): Promise<string> {
  const plan = emulationPlan(settings.platforms, hostArchitecture(process.arch), binfmtEntries())
  const stages = settings.qemu === 'auto' && plan.foreign.length > 0 ? stagesNeedingEmulation(readFileSync(settings.file, 'utf8')) : []
  const need = emulationNeed(settings.qemu, plan.foreign, stages)
  core.info(`Emulation: ${need.reason}`)
  if (!need.register) return need.reason
  if (plan.install.length === 0) {
    core.info(`QEMU handlers already registered for ${plan.registered.join(', ')}`)
    return `${need.reason} (already registered)`
  }
  core.info(`Registering QEMU handlers for ${plan.install.join(', ')} with ${settings.qemuImage}`)
  await installBinfmt(settings.qemuImage, plan.install)
  return `${need.reason} (registered ${plan.install.join(', ')} with ${settings.qemuImage})`
}

function attestationNote(settings: Settings, builder: BuilderInfo, caps: Capabilities): string {
  const wanted = [settings.provenance ? 'provenance' : '', settings.sbom ? 'SBOM' : ''].filter(Boolean).join(' and ')
  if (!wanted) return 'disabled by the inputs'
  const mode = settings.provenance ? `, provenance mode=${settings.provenance}` : ''
  if (caps.attestations) return `${wanted} requested (kept in the index as unknown/unknown manifests${mode})`
  const note = `${wanted} attestations are NOT kept: the ${builder.driver} driver with the classic image store drops them (a docker-container builder keeps them)`
  core.warning(note)
  return note
}

function metadataString(metadata: Record<string, unknown>, key: string): string | undefined {
  const value = metadata[key]
  return typeof value === 'string' ? value : undefined
}

async function verifyPlatforms(what: string, available: readonly string[], requested: readonly Platform[]): Promise<void> {
  const missing = missingPlatforms(requested, available.map((p) => parsePlatform(p)))
  if (missing.length > 0) throw new Error(`${what} lacks ${missing.map(formatPlatform).join(', ')} (it has ${available.join(', ') || 'none'})`)
}

/** Merges per-platform manifests into one index pushed under every tag; returns its digest. */
async function mergeIndex(settings: Settings, builder: string, sources: readonly string[]): Promise<{ digest: string; platforms: PlatformResult[] }> {
  // The dry run gives the exact index (and so its digest) before it is pushed: no race with
  // another job moving the same tag between the push and a read-back.
  // Digests this run pushed moments ago may not be served yet ("manifest unknown"): those reads retry it.
  const sourcesPushed = { afterPush: settings.mode !== 'merge' }
  let planned = await dryRunMerge(mergeArgs(settings, builder, sources, true), sourcesPushed)
  // Entries in one order whatever order the sources came in (matrix jobs finish in any order).
  const ordered = await inPlatformOrder(sources, parseIndex(planned.raw), sourcesPushed)
  if (ordered.some((source, i) => source !== sources[i])) planned = await dryRunMerge(mergeArgs(settings, builder, ordered, true), sourcesPushed)
  // An index that lacks a requested platform is never tagged.
  await verifyPlatforms(`The merged index ${planned.digest}`, indexPlatforms(parseIndex(planned.raw)), settings.platforms)
  await merge(mergeArgs(settings, builder, ordered, false), sourcesPushed)
  const pushed = await readManifest(`${settings.repository}@${planned.digest}`, { afterPush: true })
  const platforms: PlatformResult[] = []
  for (const descriptor of pushed.contents.images) {
    const manifest = await readManifest(`${settings.repository}@${descriptor.digest}`, { afterPush: true })
    platforms.push({ platform: descriptor.platform ? formatPlatform(descriptor.platform) : 'unknown', digest: descriptor.digest, size: manifestSize(manifest.raw) })
  }
  return { digest: planned.digest, platforms }
}

/** The platform of each source: from the planned index when the source is one image manifest, else its own first image. */
async function inPlatformOrder(sources: readonly string[], planned: IndexContents, options: { afterPush: boolean }): Promise<string[]> {
  const keyed: Array<{ source: string; platform?: Platform | undefined }> = []
  for (const source of sources) {
    const digest = source.slice(source.lastIndexOf('@') + 1)
    const platform = planned.images.find((d) => d.digest === digest)?.platform ?? (await readManifest(source, options)).contents.images[0]?.platform
    keyed.push({ source, platform })
  }
  return sourcesInPlatformOrder(keyed)
}

async function runBuilds(settings: Settings, builder: BuilderInfo, caps: Capabilities, workDir: string) {
  const invocations: BuildInvocation[] = planBuilds(settings, builder.name, caps, env, workDir)
  const built: Array<{ invocation: BuildInvocation; metadata: Record<string, unknown>; result: PlatformResult }> = []
  for (const invocation of invocations) {
    const label = invocation.platforms.map(formatPlatform).join(', ')
    const build = await core.group(`Build ${label}`, () => runBuild(invocation.args, invocation.metadataFile))
    const result: PlatformResult = { platform: label, seconds: build.seconds, cache: cacheStats(build.log) }
    built.push({ invocation, metadata: build.metadata, result })
  }
  return built
}

type Outcome = Pick<ActionResult, 'digest' | 'platforms' | 'tags'> & { attestationManifests?: number }

async function buildAndPublish(settings: Settings, builder: BuilderInfo, caps: Capabilities, workDir: string): Promise<Outcome> {
  const built = await runBuilds(settings, builder, caps, workDir)
  const fullTags = settings.tags.map((tag) => `${settings.repository}:${tag}`)
  const first = built[0]
  if (!first) throw new Error('nothing was built')
  const kind = first.invocation.output

  if (kind === 'push' || kind === 'oci') {
    const digest = metadataString(first.metadata, 'containerimage.digest')
    if (!digest) throw new Error('buildx reported no image digest in its metadata file')
    // BuildKit wrote the whole index: read it (and each platform's manifest, for its size) back.
    const read = async (ref: string) =>
      kind === 'push' ? (await readManifest(`${settings.repository}@${ref}`, { afterPush: true })).raw : readFileSync(blobPath(settings.ociLayout, ref), 'utf8')
    const raw = await read(digest)
    const index = parseIndex(raw)
    const platforms: PlatformResult[] = []
    // One platform without attestations: BuildKit's result is that platform's manifest, not an index.
    if (!index.isIndex) return { digest, platforms: [{ ...first.result, digest, size: manifestSize(raw) }], tags: fullTags }
    for (const d of index.images) {
      platforms.push({ ...first.result, platform: d.platform ? formatPlatform(d.platform) : 'unknown', digest: d.digest, size: manifestSize(await read(d.digest)) })
    }
    return { digest, platforms, tags: fullTags, attestationManifests: index.attestations.length }
  }

  if (kind === 'daemon') {
    const images: LayoutImage[] = built.map(({ invocation, metadata }) => {
      const imageId = metadataString(metadata, 'containerimage.config.digest') ?? metadataString(metadata, 'containerimage.digest')
      if (!imageId || !invocation.platforms[0]) throw new Error('buildx reported no image ID in its metadata file')
      return { platform: invocation.platforms[0], imageId }
    })
    const annotations = ociAnnotations(settings)
    const refName = settings.tags[0] ?? settings.version
    const layout = await core.group(`Export the OCI layout ${settings.ociLayout}`, () => exportLayoutFromEngine(settings.ociLayout, images, refName, annotations))
    core.info(`OCI layout ${settings.ociLayout}: index ${layout.digest} named "${refName}" (${REF_NAME_ANNOTATION})`)
    const platforms = built.map(({ result }, i) => ({ ...result, digest: layout.platforms[i]?.digest, size: layout.platforms[i]?.size }))
    return { digest: layout.digest, platforms, tags: fullTags }
  }

  // push-by-digest / push-staging: each platform goes to the registry under its own digest.
  const perPlatform: Array<{ result: PlatformResult; stagingRef?: string }> = []
  for (const { metadata, result, invocation } of built) {
    const digest = invocation.stagingRef
      ? await core.group(`Push ${invocation.stagingRef}`, () => pushImage(invocation.stagingRef ?? ''))
      : metadataString(metadata, 'containerimage.digest')
    if (!digest) throw new Error(`buildx reported no pushed digest for ${result.platform}`)
    perPlatform.push({ result: { ...result, digest }, ...(invocation.stagingRef ? { stagingRef: invocation.stagingRef } : {}) })
  }
  if (settings.mode === 'platform') {
    const only = perPlatform[0]
    if (!only?.result.digest) throw new Error('nothing was pushed')
    const manifest = await readManifest(`${settings.repository}@${only.result.digest}`, { afterPush: true })
    return { digest: only.result.digest, platforms: [{ ...only.result, size: manifestSize(manifest.raw) }], tags: only.stagingRef ? [only.stagingRef] : [] }
  }
  const sources = perPlatform.map(({ result }) => `${settings.repository}@${result.digest}`)
  const merged = await core.group('Merge the platforms into one index', () => mergeIndex(settings, builder.name, sources))
  const platforms = merged.platforms.map((p) => ({ ...perPlatform.find((b) => b.result.digest === p.digest)?.result, ...p }))
  return { digest: merged.digest, platforms, tags: fullTags }
}

export async function run(): Promise<void> {
  const started = Date.now()
  let workDir: string | undefined
  try {
    const settings = await loadSettings()
    core.debug(`Settings: ${JSON.stringify(settings)}`)
    // QEMU first: a docker-container builder reads the emulators it can use when it starts.
    const emulation = settings.mode !== 'merge' ? await core.group('Set up QEMU', () => setUpEmulation(settings)) : 'not needed (merge only)'
    // Merging needs no builder of its own: imagetools works with any, and layouts need no docker.
    const { builder, caps } =
      settings.mode !== 'merge'
        ? await core.group('Set up the builder', () => setUpBuilder(settings))
        : { builder: settings.push ? await inspectBuilder(settings.builder) : { name: 'none', driver: 'none', platforms: [] }, caps: capabilitiesOf('docker', false) }
    // Capability-dependent choices (e.g. cache "gha" on the docker driver) fail here, before any build.
    if (settings.mode !== 'merge') cachePlan(settings, caps, env, caps.multiPlatform && settings.mode === 'multi' ? undefined : settings.platforms[0])
    mkdirSync(settings.runnerTemp, { recursive: true })
    workDir = mkdtempSync(join(settings.runnerTemp, 'buildx-multiarch-'))

    let outcome: Outcome
    let attestations = 'kept as built by the per-platform jobs'
    if (settings.mode === 'merge' && settings.push) {
      const merged = await core.group('Merge the per-platform images into one index', () => mergeIndex(settings, builder.name, settings.sources))
      outcome = { ...merged, tags: settings.tags.map((tag) => `${settings.repository}:${tag}`) }
    } else if (settings.mode === 'merge') {
      const refName = settings.tags[0] ?? settings.version
      const merged = await mergeLayouts(settings.ociLayout, settings.sources, refName, ociAnnotations(settings))
      core.info(`Merged ${settings.sources.length} layouts into ${settings.ociLayout}: index ${merged.digest} named "${refName}"`)
      const platforms = merged.platforms.map((p) => ({ platform: formatPlatform(p.platform), digest: p.digest, size: p.size }))
      outcome = { digest: merged.digest, platforms, tags: settings.tags.map((tag) => `${settings.repository}:${tag}`) }
    } else {
      attestations = attestationNote(settings, builder, caps)
      outcome = await buildAndPublish(settings, builder, caps, workDir)
      if (outcome.attestationManifests !== undefined && (settings.provenance || settings.sbom)) {
        attestations += `; the index holds ${outcome.attestationManifests} attestation manifest(s)`
        if (outcome.attestationManifests === 0) core.warning('Attestations were requested, but the index holds none')
      }
    }
    if (settings.mode !== 'platform') {
      await verifyPlatforms(settings.push ? `The pushed index ${outcome.digest}` : `The OCI layout's index ${outcome.digest}`, outcome.platforms.map((p) => p.platform), settings.platforms)
    }

    const result: ActionResult = {
      mode: settings.mode,
      repository: settings.repository,
      digest: outcome.digest,
      image: `${settings.repository}@${outcome.digest}`,
      tags: outcome.tags,
      version: settings.version,
      pushed: settings.push,
      platforms: outcome.platforms,
      builder: { name: builder.name, driver: builder.driver },
      cache: settings.mode === 'merge' ? 'not used (merge only)' : describeCache(settings, caps),
      attestations,
      emulation,
      seconds: (Date.now() - started) / 1000,
    }
    if (!settings.push) result.ociLayout = settings.ociLayout
    setOutputs(result)
    await core.summary.addRaw(renderSummary(result)).write()
  } catch (e) {
    core.setFailed(errorMessage(e))
  } finally {
    if (workDir) rmSync(workDir, { recursive: true, force: true })
  }
}

/** The post step: removes the builder main created, if any. Warns, never fails the job. */
export async function post(): Promise<void> {
  const name = core.getState(STATE_BUILDER)
  if (!name) return
  try {
    const result = await removeBuilder(name)
    if (result.removed) core.info(`Removed the builder ${name}`)
    else core.warning(`Could not remove the builder ${name}: ${result.message}`)
  } catch (e) {
    core.warning(`Could not remove the builder ${name}: ${errorMessage(e)}`)
  }
}

function ociAnnotations(settings: Settings): Record<string, string> {
  return Object.fromEntries(Object.entries(settings.labels).filter(([key]) => key.startsWith('org.opencontainers.image.')))
}

function describeCache(settings: Settings, caps: Capabilities): string {
  const perPlatform = !(caps.multiPlatform && settings.mode === 'multi')
  return cachePlan(settings, caps, env, perPlatform ? settings.platforms[0] : undefined).description.replace(/linux-[a-z0-9]+(-v[0-9]+)?/, perPlatform ? '<platform>' : '$&')
}

function setOutputs(result: ActionResult): void {
  core.setOutput('digest', result.digest)
  core.setOutput('image', result.image)
  core.setOutput('tags', result.tags.join('\n'))
  core.setOutput('version', result.version)
  core.setOutput('platforms', result.platforms.map((p) => p.platform).join(','))
  core.setOutput('oci-layout', result.ociLayout ?? '')
  core.setOutput('metadata', metadataJson(result))
  core.info(`Image ${result.image} (${result.platforms.map((p) => p.platform).join(', ')})`)
}
