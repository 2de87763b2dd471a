// How acr-push writes to a registry, through the toolkit's registry tools (deadline and classified
// retries: actions/toolkit/src/registry/). buildx imagetools copies an index within one registry
// (cross-repository blob mounts: no upload); skopeo pushes OCI layouts, copies across registries and
// single manifests, preserving the digest, and its debug log says per blob what it did; skopeo also
// writes the tags, as carbon copies of the checked digest.
import * as core from '@actions/core'
import { RegistryError, formatImageReference, imagetoolsCreate as runImagetoolsCreate, runSkopeo, tagDigest, type ImageReference, type RegistryContext } from '@aks-gitops/toolkit'
import { imagetoolsCreateArgs, skopeoCopyArgs, skopeoTagArgs } from './plan'

/** skopeo copy --all --preserve-digests; returns its debug log, which records each blob it uploaded, mounted or skipped. */
export async function skopeoCopy(source: string, destination: ImageReference, ctx: RegistryContext): Promise<string> {
  const args = skopeoCopyArgs(source, destination, ctx.authFile)
  core.info(`[command]skopeo ${args.filter((a) => a !== '--debug').join(' ')}`)
  const result = await runSkopeo(args, ctx, `copying to ${formatImageReference(destination)}`, { quiet: true })
  for (const line of result.stdout.split('\n')) if (line && !line.includes('level=debug')) core.info(line)
  return `${result.stdout}\n${result.stderr}`
}

/**
 * Points each tag at `pushed` (a digest in the same repository) with the same manifest bytes, then
 * reads every tag back: it must resolve to exactly that digest.
 */
export async function tagByCopy(pushed: ImageReference & { digest: string }, tags: ImageReference[], ctx: RegistryContext): Promise<void> {
  for (const tag of tags) {
    await runSkopeo(skopeoTagArgs(pushed, tag, ctx.authFile), ctx, `tagging ${formatImageReference(tag)}`)
    core.info(`${formatImageReference(tag)} -> ${pushed.digest}`)
  }
  // Tags written moments ago: a replica that has not caught up yet answers "manifest unknown".
  const now = await Promise.all(tags.map((tag) => tagDigest(tag, ctx, { afterPush: true })))
  tags.forEach((tag, i) => {
    if (now[i] !== pushed.digest) throw new RegistryError('other', `${formatImageReference(tag)} points at ${now[i] ?? 'nothing'} after tagging, not ${pushed.digest}`)
  })
}

/** buildx imagetools create: copies an index to another repository of the same registry (blob mounts). */
export async function imagetoolsCreate(targets: ImageReference[], source: ImageReference, ctx: RegistryContext): Promise<void> {
  const result = await runImagetoolsCreate(imagetoolsCreateArgs(targets, source), ctx, `writing ${targets.map(formatImageReference).join(', ')}`)
  if (result.stderr.trim()) core.info(result.stderr.trim())
}
