// The only module that runs registry tools. buildx imagetools reads manifests and copies an index
// within one registry (cross-repository blob mounts: no upload); skopeo pushes OCI layouts, copies
// across registries and single manifests, preserving the digest, and its debug log says per blob
// what it did; skopeo also writes the tags, as carbon copies of the checked digest.
// Every call is retried with backoff for transient faults only (429, 5xx, connection errors, timeouts).
import * as core from '@actions/core'
import { errorMessage, formatImageReference, sha256Digest, withRetry, type ImageReference } from '@aks-gitops/toolkit'
import type { DockerAuth } from './auth/docker-config'
import { RegistryError, isRetryable, toRegistryError } from './failures'
import { imagetoolsCreateArgs, skopeoCopyArgs, skopeoTagArgs } from './plan'
import { runTool } from './run-tool'

export interface RegistryContext {
  auth: DockerAuth
  maxAttempts: number
  /** Deadline of each docker/skopeo call. */
  timeoutSeconds: number
}

/** Runs one registry operation with backoff for transient faults; candidate.ts lists tags through it too. */
export async function retried<T>(operation: string, ctx: RegistryContext, fn: () => Promise<T>): Promise<T> {
  return withRetry(
    async () => {
      try {
        return await fn()
      } catch (error) {
        throw toRegistryError(operation, error)
      }
    },
    {
      maxAttempts: ctx.maxAttempts,
      baseDelayMs: 1000,
      maxDelayMs: 15_000,
      isRetryable,
      onRetry: (error, attempt, delay) =>
        core.warning(`${errorMessage(error).split('\n')[0]} (attempt ${attempt} of ${ctx.maxAttempts}; next in ${delay} ms)`),
    },
  )
}

function dockerEnv(ctx: RegistryContext) {
  return { DOCKER_CONFIG: ctx.auth.dockerConfigDir }
}

/** The raw manifest or index bytes, as the registry stores them (their sha256 is the digest). */
export async function inspectRaw(ref: ImageReference, ctx: RegistryContext): Promise<string> {
  const name = formatImageReference(ref)
  return retried(`reading ${name}`, ctx, async () => {
    const result = await runTool('docker', ['buildx', 'imagetools', 'inspect', '--raw', name], ctx.timeoutSeconds, { env: dockerEnv(ctx), quiet: true })
    return result.stdout
  })
}

/** The digest a tag points at, or undefined when the tag does not exist. */
export async function tagDigest(ref: ImageReference, ctx: RegistryContext): Promise<string | undefined> {
  try {
    return sha256Digest(await inspectRaw(ref, ctx))
  } catch (error) {
    if (error instanceof RegistryError && error.kind === 'not-found') return undefined
    throw error
  }
}

/** The image config (OCI image config JSON) of a single-platform image: its platform and labels. */
export async function inspectConfig(ref: ImageReference, ctx: RegistryContext): Promise<string> {
  const name = formatImageReference(ref)
  return retried(`reading the config of ${name}`, ctx, async () => {
    const result = await runTool('docker', ['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', name], ctx.timeoutSeconds, {
      env: dockerEnv(ctx),
      quiet: true,
    })
    return result.stdout
  })
}

/** skopeo copy --all --preserve-digests; returns its debug log, which records each blob it uploaded, mounted or skipped. */
export async function skopeoCopy(source: string, destination: ImageReference, ctx: RegistryContext): Promise<string> {
  const args = skopeoCopyArgs(source, destination, ctx.auth.authFile)
  core.info(`[command]skopeo ${args.filter((a) => a !== '--debug').join(' ')}`)
  return retried(`copying to ${formatImageReference(destination)}`, ctx, async () => {
    const result = await runTool('skopeo', args, ctx.timeoutSeconds, { quiet: true })
    for (const line of result.stdout.split('\n')) if (line && !line.includes('level=debug')) core.info(line)
    return `${result.stdout}\n${result.stderr}`
  })
}

/**
 * Points each tag at `pushed` (a digest in the same repository) with the same manifest bytes, then
 * reads every tag back: it must resolve to exactly that digest.
 */
export async function tagByCopy(pushed: ImageReference & { digest: string }, tags: ImageReference[], ctx: RegistryContext): Promise<void> {
  for (const tag of tags) {
    const args = skopeoTagArgs(pushed, tag, ctx.auth.authFile)
    await retried(`tagging ${formatImageReference(tag)}`, ctx, () => runTool('skopeo', args, ctx.timeoutSeconds))
    core.info(`${formatImageReference(tag)} -> ${pushed.digest}`)
  }
  const now = await Promise.all(tags.map((tag) => tagDigest(tag, ctx)))
  tags.forEach((tag, i) => {
    if (now[i] !== pushed.digest) throw new RegistryError('other', `${formatImageReference(tag)} points at ${now[i] ?? 'nothing'} after tagging, not ${pushed.digest}`)
  })
}

/** buildx imagetools create: copies an index to another repository of the same registry (blob mounts). */
export async function imagetoolsCreate(targets: ImageReference[], source: ImageReference, ctx: RegistryContext): Promise<void> {
  const args = imagetoolsCreateArgs(targets, source)
  await retried(`writing ${targets.map(formatImageReference).join(', ')}`, ctx, async () => {
    const result = await runTool('docker', args, ctx.timeoutSeconds, { env: dockerEnv(ctx) })
    if (result.stderr.trim()) core.info(result.stderr.trim())
  })
}
