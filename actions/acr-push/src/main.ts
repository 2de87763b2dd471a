// acr-push: sign in (OIDC by default), publish an OCI layout or copy an image reference by digest,
// check its platforms in the registry, then (and only then) point the tags at it.
import * as core from '@actions/core'
import { RegistryError, errorMessage, formatImageReference, tagDigest, type ImageReference, type RegistryContext } from '@aks-gitops/toolkit'
import { authenticate, type RegistryAccess } from './auth'
import { announceCandidate, readLocalFacts, resolveCandidate, revisionOf, type LocalFacts } from './candidate'
import { STATE_DOCKER_CONFIG, removeConfig, type DockerAuth } from './auth/docker-config'
import { sameImageManifests } from './equivalent'
import { failureMessage, unauthorizedHint } from './failures'
import { readLayout, readRemote, type ImageDetails } from './image'
import { describeSettings, readSettings, type Settings } from './inputs'
import { ROUTE_DESCRIPTIONS, chooseRoute, missingRequired, movedTags, platformGateMessage, withDigest, withTag } from './plan'
import { imagetoolsCreate, skopeoCopy, tagByCopy } from './registry'
import { requireTools } from './require-tools'
import { transferLines, writeSummary } from './summary'
import { blobSizes, figuresBasis, figuresFromMount, figuresFromSkopeo, noTransfer, parseSkopeoDebug, type TransferFigures } from './transfer'

function registriesFor(settings: Settings): RegistryAccess[] {
  const list: RegistryAccess[] = []
  if (settings.destination && !settings.verifyOnly) {
    list.push({ registry: settings.destination.registry, pushRepository: settings.destination.repository })
  }
  const source = settings.source
  if (source.kind === 'image' && !list.some((r) => r.registry === source.ref.registry)) list.push({ registry: source.ref.registry })
  return list
}

function gate(settings: Settings, image: string, details: ImageDetails): void {
  const missing = missingRequired(settings.requirePlatforms, details.platforms)
  if (missing.length > 0) throw new RegistryError('other', platformGateMessage(image, missing, details.platforms))
  if (settings.requirePlatforms.length > 0) core.info(`${image} has every required platform (${details.platforms.join(', ')})`)
}

function setImageOutputs(ref: ImageReference, digest: string, platforms: string[], tags: ImageReference[]) {
  core.setOutput('image', formatImageReference(withDigest(ref, digest)))
  core.setOutput('digest', digest)
  core.setOutput('platforms', platforms.join(','))
  core.setOutput('tags', tags.map(formatImageReference).join('\n'))
}

/** `known`: the source's details when run() read them already (an OCI layout, or the chosen release candidate). */
async function verify(settings: Settings, ctx: RegistryContext, known: ImageDetails | undefined): Promise<void> {
  if (settings.source.kind !== 'image') return
  const ref = settings.source.ref
  const name = formatImageReference(ref)
  const details = known ?? (await core.group(`Read ${name}`, () => readRemote(ref, ctx)))
  gate(settings, name, details)
  setImageOutputs(ref, details.digest, details.platforms, ref.tag ? [ref] : [])
  // The source commit, for a redeploy's ordering and trailers (bump-manifest source-commit). The
  // image was verified already: a config that cannot be read only leaves the output empty.
  const revision = await revisionOf(ref, details, ctx).catch((error: unknown) => {
    core.warning(`Could not read the revision label of ${name}: ${errorMessage(error)}`)
    return undefined
  })
  core.setOutput('revision', revision ?? '')
  await writeSummary({
    source: name,
    image: formatImageReference(withDigest(ref, details.digest)),
    digest: details.digest,
    tags: ref.tag ? [name] : [],
    platforms: details.platforms,
    route: 'verify only: nothing pushed or tagged',
    verifyOnly: true,
  })
}

/**
 * The index one of the tags already names, when it holds the same image manifests as the one built
 * and differs only in its attestations (equivalent.ts); undefined otherwise.
 */
async function publishedEquivalent(image: ImageDetails, tagRefs: readonly ImageReference[], ctx: RegistryContext): Promise<ImageDetails | undefined> {
  if (!image.isIndex) return undefined
  for (const ref of tagRefs) {
    const digest = await tagDigest(ref, ctx)
    if (!digest || digest === image.digest) continue
    const published = await readRemote(withDigest(ref, digest), ctx)
    if (sameImageManifests(published.raw, image.raw)) {
      core.info(`${formatImageReference(ref)} names ${digest}, whose image manifests are the ones built (${image.digest} differs only in its attestations): kept, nothing new is published`)
      return published
    }
  }
  return undefined
}

async function publish(settings: Settings, ctx: RegistryContext, known: ImageDetails | undefined): Promise<void> {
  const { destination, source } = settings
  if (!destination) throw new Error('destination is required unless verify-only is true')
  const sourceName = source.kind === 'layout' ? `oci:${source.dir}` : formatImageReference(source.ref)
  let image: ImageDetails
  if (source.kind === 'layout') {
    image = known ?? readLayout(source.dir)
  } else {
    image = known ?? (await core.group(`Read ${sourceName}`, () => readRemote(source.ref, ctx)))
    // Gate on the source first: a missing platform fails before anything is pushed (run() gated a layout already).
    gate(settings, sourceName, image)
  }

  const tagRefs = settings.tags.map((tag) => withTag(destination, tag))
  // A rebuild of one commit whose image manifests are already published under one of its tags
  // keeps that index (only the provenance differs): no new digest, no manifest commit, no rollout.
  if (source.kind === 'layout') image = (await publishedEquivalent(image, tagRefs, ctx)) ?? image
  const target = withDigest(destination, image.digest)
  if (settings.immutableTags && tagRefs.length > 0) {
    const current = new Map<string, string | undefined>()
    for (const ref of tagRefs) current.set(ref.tag ?? '', await tagDigest(ref, ctx))
    const moved = movedTags(current, image.digest)
    if (moved.length > 0) {
      const detail = moved.map((tag) => `${tag} -> ${current.get(tag)}`).join(', ')
      throw new RegistryError('other', `immutable-tags: refusing to move ${detail} in ${formatImageReference(destination)} to ${image.digest}; nothing was pushed or tagged`)
    }
  }

  // Same commit, same image: a re-run finds the digest already in the repository, pushes nothing,
  // and (below) writes only the tags that do not name it yet.
  const present = source.kind === 'layout' && (await tagDigest(target, ctx)) === image.digest
  const route = present ? 'retag' : chooseRoute(source, destination, image.isIndex)
  const sizes = blobSizes(image.raw, image.manifests)
  const pushed = formatImageReference(target)
  const transfer = await core.group(`Push ${pushed} (${route})`, async (): Promise<TransferFigures> => {
    let figures: TransferFigures
    if (route === 'push-layout' || route === 'cross-registry-copy' || route === 'manifest-copy') {
      const from = source.kind === 'layout' ? (image.layoutSource ?? `oci:${source.dir}`) : `docker://${formatImageReference(withDigest(source.ref, image.digest))}`
      figures = figuresFromSkopeo(sizes, parseSkopeoDebug(await skopeoCopy(from, target, ctx)))
    } else if (route === 'mount-copy' && source.kind === 'image') {
      await imagetoolsCreate([target], withDigest(source.ref, image.digest), ctx)
      figures = figuresFromMount(sizes)
    } else {
      figures = noTransfer(sizes)
    }
    for (const line of transferLines(figures)) core.info(line)
    return figures
  })

  // Read back what the registry now holds under the digest, and gate on that before any tag moves.
  const published = await core.group(`Verify ${pushed}`, () => readRemote(target, ctx, { afterPush: true }))
  gate(settings, pushed, published)
  setImageOutputs(destination, image.digest, published.platforms, [])

  // Each tag is a carbon copy of the digest just checked: never a new index wrapped around it.
  const missing: ImageReference[] = []
  for (const ref of tagRefs) if ((await tagDigest(ref, ctx)) !== image.digest) missing.push(ref)
  const kept = tagRefs.filter((ref) => !missing.includes(ref))
  if (kept.length > 0) core.info(`${kept.map(formatImageReference).join(', ')} already name ${image.digest}: not written again`)
  if (missing.length > 0) await core.group(`Tag ${missing.map((ref) => ref.tag).join(', ')}`, () => tagByCopy({ ...target, digest: image.digest }, missing, ctx))
  setImageOutputs(destination, image.digest, published.platforms, tagRefs)
  core.setOutput('bytes-uploaded', String(transfer.uploadedBytes))
  core.setOutput('bytes-mounted', String(transfer.mountedBytes))
  core.setOutput('bytes-basis', figuresBasis(transfer))
  await writeSummary({
    source: sourceName,
    destination: formatImageReference(destination),
    image: pushed,
    digest: image.digest,
    tags: tagRefs.map(formatImageReference),
    platforms: published.platforms,
    route: ROUTE_DESCRIPTIONS[route],
    transfer,
    verifyOnly: false,
  })
}

export async function run(): Promise<void> {
  let auth: DockerAuth | undefined
  try {
    let settings = readSettings(process.env.GITHUB_WORKSPACE || process.cwd())
    if (settings.auth.secret) core.setSecret(settings.auth.secret)
    core.debug(`settings: ${describeSettings(settings)}`)
    // An old skopeo (ubuntu-22.04 ships 1.4.1) fails here, before anything is read, signed in or pushed.
    await requireTools({ verifyOnly: settings.verifyOnly, releaseCandidate: settings.release !== undefined }, settings.timeoutSeconds)
    // A missing, corrupt or single-arch layout fails here, before signing in or pushing anything.
    // `known`: the source as already read (the layout now, or the chosen candidate below), not read again.
    let known: ImageDetails | undefined
    if (settings.source.kind === 'layout') {
      known = readLayout(settings.source.dir)
      gate(settings, `oci:${settings.source.dir}`, known)
    }

    // release-candidate: a bad commit or staging manifest fails here, before signing in.
    let local: LocalFacts | undefined
    if (settings.release && settings.source.kind === 'image') local = await readLocalFacts(settings.release, settings.source.ref)

    const limits = { maxAttempts: settings.maxAttempts, timeoutSeconds: settings.timeoutSeconds }
    auth = await core.group('Sign in', () => authenticate(settings.auth, registriesFor(settings), process.env, limits))
    const ctx: RegistryContext = { dockerConfigDir: auth.dockerConfigDir, authFile: auth.authFile, ...limits }
    if (settings.release && local && settings.source.kind === 'image') {
      // From here on the source is the chosen candidate by digest, as if it had been given so.
      const chosen = await resolveCandidate(settings.release, settings.source.ref, local, ctx)
      announceCandidate(chosen)
      settings = { ...settings, source: { kind: 'image', ref: chosen.image } }
      known = chosen.details
    }
    if (settings.verifyOnly) await verify(settings, ctx, known)
    else await publish(settings, ctx, known)
  } catch (error) {
    // A 401 after sign-in names the roles to assign, or says the registry was read anonymously.
    const hint = unauthorizedHint(error, auth)
    core.setFailed(hint ? `${failureMessage(error)}\n${hint}` : failureMessage(error))
  } finally {
    // The credentials live only as long as this step needs them.
    if (auth?.temporary) removeConfig(auth.dockerConfigDir)
  }
}

/** The post step: removes the temporary docker config if main could not (it was killed or crashed). Never fails the job. */
export async function post(): Promise<void> {
  try {
    const dir = core.getState(STATE_DOCKER_CONFIG)
    if (dir && removeConfig(dir)) core.info(`Removed the temporary docker config ${dir}`)
    else if (dir) core.info('The temporary docker config was already removed at the end of the main step')
  } catch (error) {
    core.warning(`Could not remove the temporary docker config: ${errorMessage(error)}`)
  }
}
