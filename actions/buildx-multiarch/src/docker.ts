// The one module that runs docker: builder inspection and creation, QEMU registration, builds,
// and registry reads/writes through the toolkit's registry tools (a deadline and retries for
// transient faults on every call; buildx-multiarch has no inputs for them: DEFAULT_REGISTRY_LIMITS).
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import * as core from '@actions/core'
import {
  DEFAULT_REGISTRY_LIMITS,
  dockerPush,
  execute,
  imagetoolsCreate,
  inspectRaw,
  parseIndex,
  sha256Digest,
  type IndexContents,
  type RetriedOptions,
} from '@aks-gitops/toolkit'
import { parseBuilderInspect, usesContainerdStore, type BuilderInfo } from './capabilities'
import { binfmtInstallArgs, createBuilderArgs, removeBuilderArgs } from './plan'

const BINFMT_DIR = '/proc/sys/fs/binfmt_misc'

export async function inspectBuilder(name?: string): Promise<BuilderInfo> {
  const args = ['buildx', 'inspect', ...(name ? [name] : []), '--bootstrap']
  const result = await execute('docker', args, { quiet: true })
  return parseBuilderInspect(result.stdout)
}

export async function containerdImageStore(): Promise<boolean> {
  const result = await execute('docker', ['info', '--format', '{{json .DriverStatus}}'], { quiet: true, allowFailure: true })
  return result.exitCode === 0 && usesContainerdStore(result.stdout)
}

export async function createContainerBuilder(name: string, buildkitImage: string): Promise<BuilderInfo> {
  await execute('docker', createBuilderArgs(name, buildkitImage))
  return inspectBuilder(name)
}

/** Removes a builder; false (and no throw) when buildx could not, e.g. it is gone already. */
export async function removeBuilder(name: string): Promise<{ removed: boolean; message: string }> {
  const result = await execute('docker', removeBuilderArgs(name), { quiet: true, allowFailure: true })
  return { removed: result.exitCode === 0, message: (result.stderr || result.stdout).trim() }
}

/** The enabled handlers registered with binfmt_misc (empty when it is not mounted). */
export function binfmtEntries(): string[] {
  if (!existsSync(`${BINFMT_DIR}/status`)) return []
  return readdirSync(BINFMT_DIR).filter((entry) => {
    if (entry === 'status' || entry === 'register') return false
    // A handler file starts with "enabled" or "disabled"; a disabled one emulates nothing.
    return readFileSync(`${BINFMT_DIR}/${entry}`, 'utf8').startsWith('enabled')
  })
}

export async function installBinfmt(image: string, architectures: readonly string[]): Promise<void> {
  await execute('docker', binfmtInstallArgs(image, architectures))
}

export interface BuildResult {
  metadata: Record<string, unknown>
  log: string
  seconds: number
}

/** Runs one `docker buildx build`; throws CommandError (with the log's tail) when it fails. */
export async function runBuild(args: readonly string[], metadataFile: string): Promise<BuildResult> {
  const started = Date.now()
  const result = await execute('docker', args, { allowFailure: true })
  // buildx writes its progress to stderr; show it in the step log as the build would.
  const log = result.stderr + result.stdout
  core.info(log.trimEnd())
  if (result.exitCode !== 0) {
    const tail = log.trim().split('\n').slice(-20).join('\n')
    throw new Error(`docker buildx build failed (exit code ${result.exitCode}):\n${tail}`)
  }
  const metadata = JSON.parse(readFileSync(metadataFile, 'utf8')) as Record<string, unknown>
  return { metadata, log, seconds: (Date.now() - started) / 1000 }
}

export interface RemoteManifest {
  raw: string
  digest: string
  contents: IndexContents
}

/**
 * The raw manifest (index or image) a reference names in the registry, and its digest. `afterPush`:
 * it was written moments ago, so "manifest unknown" is retried too.
 */
export async function readManifest(ref: string, options: RetriedOptions = {}): Promise<RemoteManifest> {
  // `inspect --raw` prints exactly the stored bytes, over which the digest is computed.
  const raw = await inspectRaw(ref, DEFAULT_REGISTRY_LIMITS, options)
  return { raw, digest: sha256Digest(raw), contents: parseIndex(raw) }
}

/** Runs `imagetools create --dry-run` and returns the index it would push (raw JSON and digest). */
export async function dryRunMerge(args: readonly string[], options: RetriedOptions = {}): Promise<{ raw: string; digest: string }> {
  const result = await imagetoolsCreate(args, DEFAULT_REGISTRY_LIMITS, 'reading the per-platform manifests to merge', { ...options, quiet: true })
  // `--dry-run` prints the index it would push followed by one newline that is not part of it.
  const raw = result.stdout.endsWith('\n') ? result.stdout.slice(0, -1) : result.stdout
  return { raw, digest: sha256Digest(raw) }
}

/** `docker push` of one tag; returns the digest the registry stored (from push's own output). */
export function pushImage(ref: string): Promise<string> {
  return dockerPush(ref, DEFAULT_REGISTRY_LIMITS)
}

export async function merge(args: readonly string[], options: RetriedOptions = {}): Promise<void> {
  await imagetoolsCreate(args, DEFAULT_REGISTRY_LIMITS, 'pushing the merged index', options)
}
