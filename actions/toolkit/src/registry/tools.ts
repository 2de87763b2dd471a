// The one way the actions reach a registry: `docker buildx imagetools` (inspect, create), skopeo
// (copy, list-tags) and `docker push`, each under a deadline (run-tool.ts) and retried with capped,
// jittered backoff for transient faults only (faults.ts: HTTP 429, 5xx, connection errors, timeouts,
// a DNS resolver that did not answer; "manifest unknown" too right after a push). The argv of a
// create or copy is the caller's plan; the reads build their own.
import * as core from '@actions/core'
import { errorMessage } from '../errors'
import type { ExecResult } from '../exec'
import { isLoopbackHost } from '../host-port'
import { formatImageReference, type ImageReference } from '../image-ref'
import { sha256Digest } from '../oci-index'
import { RetriesExhaustedError, withRetry } from '../retry'
import { RegistryError, isRetryable, toRegistryError } from './faults'
import { runTool } from './run-tool'

export interface RegistryContext {
  /** Attempts per call (the first included) for transient faults. */
  maxAttempts: number
  /** Deadline of each docker/skopeo call, in seconds. */
  timeoutSeconds: number
  /** DOCKER_CONFIG for docker and buildx; unset: the job's own. */
  dockerConfigDir?: string
  /** skopeo --authfile; unset: skopeo's own lookup. */
  authFile?: string
}

/** Limits for an action without inputs for them: acr-push's max-attempts and command-timeout defaults. */
export const DEFAULT_REGISTRY_LIMITS: Readonly<Pick<RegistryContext, 'maxAttempts' | 'timeoutSeconds'>> = { maxAttempts: 4, timeoutSeconds: 600 }

export interface RetriedOptions {
  /** The reference was written moments ago: "manifest unknown" is retried too (see isRetryable). */
  afterPush?: boolean
  /** Where each retry is announced; core.warning by default. */
  warn?: (message: string) => void
}

/**
 * Runs `fn` until it succeeds, fails for good, or `maxAttempts` is reached (backoff from 1 s, at
 * most 15 s). Every failure becomes a RegistryError whose message starts with `label`.
 */
export function retried<T>(label: string, limits: { maxAttempts: number }, fn: () => Promise<T>, options: RetriedOptions = {}): Promise<T> {
  const warn = options.warn ?? core.warning
  return withRetry(
    async () => {
      try {
        return await fn()
      } catch (error) {
        throw toRegistryError(label, error)
      }
    },
    {
      maxAttempts: limits.maxAttempts,
      baseDelayMs: 1000,
      maxDelayMs: 15_000,
      isRetryable: (error) => isRetryable(error, options),
      onRetry: (error, attempt, delay) => warn(`${errorMessage(error).split('\n')[0]} (attempt ${attempt} of ${limits.maxAttempts}; next in ${delay} ms)`),
    },
  )
}

/** Whether a registry call failed because the reference is not there (after any retries). */
export function isNotFound(error: unknown): boolean {
  const cause = error instanceof RetriesExhaustedError ? error.lastError : error
  return cause instanceof RegistryError && cause.kind === 'not-found'
}

function nameOf(ref: ImageReference | string): string {
  return typeof ref === 'string' ? ref : formatImageReference(ref)
}

function dockerEnv(ctx: RegistryContext): Record<string, string> {
  return ctx.dockerConfigDir ? { DOCKER_CONFIG: ctx.dockerConfigDir } : {}
}

/** The raw manifest or index bytes, as the registry stores them (their sha256 is the digest). */
export async function inspectRaw(ref: ImageReference | string, ctx: RegistryContext, options: RetriedOptions = {}): Promise<string> {
  const name = nameOf(ref)
  return retried(
    `reading ${name}`,
    ctx,
    async () => (await runTool('docker', ['buildx', 'imagetools', 'inspect', '--raw', name], ctx.timeoutSeconds, { env: dockerEnv(ctx), quiet: true })).stdout,
    options,
  )
}

/** The image config (OCI image config JSON) of a single-platform image: its platform and labels. */
export async function inspectConfig(ref: ImageReference | string, ctx: RegistryContext, options: RetriedOptions = {}): Promise<string> {
  const name = nameOf(ref)
  const args = ['buildx', 'imagetools', 'inspect', '--format', '{{json .Image}}', name]
  return retried(`reading the config of ${name}`, ctx, async () => (await runTool('docker', args, ctx.timeoutSeconds, { env: dockerEnv(ctx), quiet: true })).stdout, options)
}

/** The digest a tag points at, or undefined when the tag does not exist. */
export async function tagDigest(ref: ImageReference | string, ctx: RegistryContext, options: RetriedOptions = {}): Promise<string | undefined> {
  try {
    return sha256Digest(await inspectRaw(ref, ctx, options))
  } catch (error) {
    if (isNotFound(error)) return undefined
    throw error
  }
}

/** `docker buildx imagetools create` with the caller's argv (from `buildx` on); logs the command unless quiet. */
export function imagetoolsCreate(args: readonly string[], ctx: RegistryContext, label: string, options: RetriedOptions & { quiet?: boolean } = {}): Promise<ExecResult> {
  return retried(label, ctx, () => runTool('docker', args, ctx.timeoutSeconds, { env: dockerEnv(ctx), quiet: options.quiet ?? false }), options)
}

/** skopeo with the caller's argv (copy, inspect, list-tags); logs the command unless quiet. */
export function runSkopeo(args: readonly string[], ctx: RegistryContext, label: string, options: RetriedOptions & { quiet?: boolean } = {}): Promise<ExecResult> {
  return retried(label, ctx, () => runTool('skopeo', args, ctx.timeoutSeconds, { quiet: options.quiet ?? false }), options)
}

/** skopeo list-tags argv; skopeo must be told to speak plain HTTP to a loopback registry (never to another host). */
export function listTagsArgs(repository: string, authFile?: string): string[] {
  const args = ['list-tags', '--retry-times', '0']
  if (authFile) args.push('--authfile', authFile)
  if (isLoopbackHost(repository.split('/')[0] ?? '')) args.push('--tls-verify=false')
  args.push(`docker://${repository}`)
  return args
}

/**
 * Every tag of `repository` (registry/name), through the registry's GET /v2/<name>/tags/list
 * (https://github.com/opencontainers/distribution-spec/blob/main/spec.md#listing-tags); none when
 * the repository does not exist yet.
 */
export async function listTags(repository: string, ctx: RegistryContext, options: RetriedOptions = {}): Promise<string[]> {
  try {
    const list = async () => {
      const result = await runTool('skopeo', listTagsArgs(repository, ctx.authFile), ctx.timeoutSeconds, { quiet: true })
      return (JSON.parse(result.stdout) as { Tags?: string[] | null }).Tags ?? []
    }
    return await retried(`listing the tags of ${repository}`, ctx, list, options)
  } catch (error) {
    if (isNotFound(error)) return []
    throw error
  }
}

/** `docker push` of one tag; returns the digest the registry stored (from push's own output). */
export async function dockerPush(ref: string, ctx: RegistryContext): Promise<string> {
  const result = await retried(`pushing ${ref}`, ctx, () => runTool('docker', ['push', ref], ctx.timeoutSeconds, { env: dockerEnv(ctx) }))
  const digest = /digest: (sha256:[a-f0-9]{64})/.exec(result.stdout)?.[1]
  if (!digest) throw new RegistryError('other', `docker push ${ref} printed no digest:\n${result.stdout.trim()}`)
  return digest
}
