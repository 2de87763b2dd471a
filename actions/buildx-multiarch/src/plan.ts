// The docker argument vectors the action runs, built from Settings and the builder's
// capabilities. Pure: tests call these directly for both drivers; docker.ts executes them.
import { join } from 'node:path'
import { formatPlatform, platformKey, type Platform } from '@aks-gitops/toolkit'
import type { Capabilities } from './capabilities'
import type { Settings } from './inputs'
import { sourceDateEpochArgs, withRewriteTimestamp } from './reproducible'
import { provenanceAttrs } from './provenance'

/** How one build invocation delivers its result. */
export type OutputKind =
  | 'push' // a whole index pushed with every tag (multi-platform builder)
  | 'push-by-digest' // one platform pushed without a tag (merged later)
  | 'push-staging' // one platform named with a per-platform staging tag, pushed after all built (docker driver)
  | 'oci' // an OCI layout written by BuildKit
  | 'daemon' // an image in the docker engine's store, assembled into a layout afterwards

export interface BuildInvocation {
  platforms: Platform[]
  args: string[]
  metadataFile: string
  output: OutputKind
  /** The tag pushed for `push-staging`. */
  stagingRef?: string
}

export interface CachePlan {
  args: string[]
  description: string
}

/**
 * The per-platform tag the docker driver pushes (it cannot push by digest). One stable tag per
 * platform, overwritten by each build, doubles as the inline-cache source for the next build.
 */
export function stagingTag(platform: Platform): string {
  return `buildcache-${platformKey(platform)}`
}

/** True when the runner exposes the GitHub Actions cache service to this step. */
export function ghaCacheAvailable(env: Record<string, string | undefined>): boolean {
  return Boolean(env.ACTIONS_RUNTIME_TOKEN && (env.ACTIONS_CACHE_URL || env.ACTIONS_RESULTS_URL))
}

/**
 * Cache arguments. With cache export (docker-container): `gha` on GitHub, else a registry cache
 * next to the image when pushing. With the docker driver the engine's own build cache serves
 * rebuilds on the same machine, and pushed images carry inline cache for other machines.
 */
export function cachePlan(settings: Settings, caps: Capabilities, env: Record<string, string | undefined>, platform?: Platform): CachePlan {
  const suffix = platform ? `-${platformKey(platform)}` : ''
  let mode = settings.cache
  if (mode === 'none') return { args: ['--no-cache'], description: 'disabled (--no-cache)' }
  if (mode === 'auto') {
    if (caps.cacheExport) mode = ghaCacheAvailable(env) ? 'gha' : settings.push ? 'registry' : 'local'
    else mode = settings.push ? 'registry' : 'local'
  }
  if (mode === 'gha') {
    if (!caps.cacheExport) throw new Error('cache "gha" needs a builder that exports cache (the docker-container driver); this builder uses the docker driver')
    const scope = `${settings.repository.replace(/[^A-Za-z0-9._-]+/g, '-')}${suffix}`
    // GitHub rate-limits cache writes (429): a cache that cannot be written must not fail the
    // build it belongs to (BuildKit README, "GitHub Actions cache": ignore-error, default false).
    return {
      args: ['--cache-from', `type=gha,scope=${scope}`, '--cache-to', `type=gha,mode=max,scope=${scope},ignore-error=true`],
      description: `GitHub Actions cache (scope ${scope})`,
    }
  }
  if (mode === 'registry') {
    if (caps.cacheExport) {
      const ref = `${settings.cacheRef ?? `${settings.repository}:buildcache`}${suffix}`
      return { args: ['--cache-from', `type=registry,ref=${ref}`, '--cache-to', `type=registry,ref=${ref},mode=max`], description: `registry ${ref}` }
    }
    if (!platform) throw new Error('the docker driver builds one platform per invocation')
    const ref = settings.cacheRef ? `${settings.cacheRef}${suffix}` : `${settings.repository}:${stagingTag(platform)}`
    // Inline cache is written into the pushed image; without a push only the engine's cache remains.
    const args = ['--cache-from', `type=registry,ref=${ref}`]
    if (settings.push) args.push('--cache-to', 'type=inline')
    return { args, description: `engine build cache + inline cache in ${ref}` }
  }
  // local
  if (caps.cacheExport) {
    const dir = settings.cacheRef ?? join(settings.runnerTemp, 'buildx-cache')
    const path = `${dir}${suffix}`
    return { args: ['--cache-from', `type=local,src=${path}`, '--cache-to', `type=local,dest=${path},mode=max`], description: `local directory ${path}` }
  }
  return { args: [], description: 'engine build cache (docker driver)' }
}

function attestationArgs(settings: Settings, caps: Capabilities, env: Record<string, string | undefined>): string[] {
  // Explicitly off where the builder would drop them, so buildx does not try and warn per build.
  if (!caps.attestations) return ['--provenance=false']
  const provenance = settings.provenance ? `--provenance=${provenanceAttrs(settings.provenance, env)}` : '--provenance=false'
  return [provenance, ...(settings.sbom ? ['--sbom=true'] : [])]
}

function commonArgs(settings: Settings, builder: string, platforms: Platform[], metadataFile: string): string[] {
  const args = ['buildx', 'build', '--builder', builder, '--progress', 'plain', '--platform', platforms.map(formatPlatform).join(',')]
  args.push('--file', settings.file, '--metadata-file', metadataFile)
  if (settings.target) args.push('--target', settings.target)
  for (const [key, value] of settings.buildArgs) args.push('--build-arg', `${key}=${value}`)
  args.push(...sourceDateEpochArgs(settings.sourceDateEpoch))
  for (const [key, value] of Object.entries(settings.labels)) args.push('--label', `${key}=${value}`)
  return args
}

/**
 * The names BuildKit gives its result. Pushed: every tag. In an OCI layout: one name only, the
 * first tag (or the version), as the docker-driver layout has: BuildKit >= 0.19 writes one
 * index.json entry per name (client/solve.go and client/ociindex, commit 01cf0c69f "ociindex:
 * fix handling multiple names per descriptor"), and a layout with several entries is refused by
 * `skopeo copy oci:<dir>` ("more than one image in oci, choose an image"). acr-push writes the
 * tags itself.
 */
export function outputNames(settings: Settings): string[] {
  if (settings.push) return settings.tags.map((tag) => `${settings.repository}:${tag}`)
  return [`${settings.repository}:${settings.tags[0] ?? settings.version}`]
}

/** The build invocations for `multi` and `platform` modes (none for `merge`). */
export function planBuilds(
  settings: Settings,
  builder: string,
  caps: Capabilities,
  env: Record<string, string | undefined>,
  workDir: string,
): BuildInvocation[] {
  if (settings.mode === 'merge') return []
  const attest = attestationArgs(settings, caps, env)

  if (settings.mode === 'multi' && caps.multiPlatform) {
    const metadataFile = join(workDir, 'metadata-all.json')
    const args = commonArgs(settings, builder, settings.platforms, metadataFile)
    args.push(...cachePlan(settings, caps, env).args, ...attest)
    for (const ref of outputNames(settings)) args.push('--tag', ref)
    // Index annotations: labels live in each platform's config, the index needs its own copy.
    for (const [key, value] of Object.entries(settings.labels)) {
      if (key.startsWith('org.opencontainers.image.')) args.push('--annotation', `index:${key}=${value}`)
    }
    let output: OutputKind = 'push'
    if (settings.push) args.push('--output', 'type=image,push=true')
    else {
      output = 'oci'
      args.push('--output', `type=oci,dest=${settings.ociLayout},tar=false`)
    }
    args.push(settings.context)
    return [{ platforms: settings.platforms, args: withRewriteTimestamp(args, settings.sourceDateEpoch), metadataFile, output }]
  }

  // One invocation per platform: the docker driver, or `platform` mode (one platform per job).
  return settings.platforms.map((platform) => {
    const metadataFile = join(workDir, `metadata-${platformKey(platform)}.json`)
    const args = commonArgs(settings, builder, [platform], metadataFile)
    args.push(...cachePlan(settings, caps, env, platform).args, ...attest)
    const invocation: BuildInvocation = { platforms: [platform], args, metadataFile, output: 'daemon' }
    if (settings.push && caps.pushByDigest) {
      invocation.output = 'push-by-digest'
      args.push('--output', `type=image,name=${settings.repository},push-by-digest=true,name-canonical=true,push=true`)
    } else if (settings.push) {
      // Named in the engine now, pushed only once every platform has built: a failed
      // platform then leaves nothing in the registry.
      invocation.output = 'push-staging'
      invocation.stagingRef = `${settings.repository}:${stagingTag(platform)}`
      args.push('--output', `type=image,name=${invocation.stagingRef}`)
    } else if (caps.ociExport) {
      invocation.output = 'oci'
      args.push('--output', `type=oci,dest=${settings.ociLayout},tar=false`)
    } else {
      args.push('--output', 'type=image')
    }
    args.push(settings.context)
    return { ...invocation, args: withRewriteTimestamp(args, settings.sourceDateEpoch) }
  })
}

/** `docker buildx imagetools create` merging per-platform manifests into one index with every tag. */
export function mergeArgs(settings: Settings, builder: string, sources: readonly string[], dryRun: boolean): string[] {
  const args = ['buildx', 'imagetools', 'create', '--builder', builder]
  if (dryRun) args.push('--dry-run')
  for (const tag of settings.tags) args.push('--tag', `${settings.repository}:${tag}`)
  for (const [key, value] of Object.entries(settings.labels)) {
    if (key.startsWith('org.opencontainers.image.')) args.push('--annotation', `index:${key}=${value}`)
  }
  args.push(...sources)
  return args
}

/** The standard way to register QEMU handlers on a runner (docker/setup-qemu-action runs the same image). */
export function binfmtInstallArgs(image: string, architectures: readonly string[]): string[] {
  return ['run', '--privileged', '--rm', image, '--install', architectures.join(',')]
}

/**
 * A name no other use of the action in the same job has: the run, its attempt and a random
 * suffix. A fixed name per run made a second use in one job fail with buildx's "existing instance".
 */
export function builderName(env: Record<string, string | undefined>, suffix: string): string {
  return `buildx-multiarch-${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${suffix}`
}

/** A docker-container builder on the pinned BuildKit image (so BuildKit, and the digests it writes, move only with the pin). */
export function createBuilderArgs(name: string, buildkitImage: string): string[] {
  return ['buildx', 'create', '--name', name, '--driver', 'docker-container', '--driver-opt', `image=${buildkitImage}`, '--bootstrap']
}

/** Removes the builder this action created (its container and state volume). */
export function removeBuilderArgs(name: string): string[] {
  return ['buildx', 'rm', name]
}
