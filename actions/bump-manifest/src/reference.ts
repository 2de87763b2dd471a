// The new image reference and how it is written: pure string work on image references.
import { sameRepository, tryParseImageReference, type ImageReference } from '@aks-gitops/toolkit'

export interface NewReference {
  /** The repository to match (normalised). */
  image: ImageReference
  tag?: string
  digest?: string
  /** Move matches to this repository, written as the user gave it (promotion to another registry). */
  newName?: string
}

/** The repository part of a reference as written (`vote` stays `vote`, not docker.io/library/vote). */
export function repositoryText(reference: string): string {
  const at = reference.indexOf('@')
  const withoutDigest = at >= 0 ? reference.slice(0, at) : reference
  const colon = withoutDigest.lastIndexOf(':')
  return colon > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, colon) : withoutDigest
}

/** `repo[:tag][@digest]` from its parts. */
export function joinReference(repository: string, tag: string | undefined, digest: string | undefined): string {
  return `${repository}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`
}

/** True when `reference` names the repository to match, whatever its tag/digest (docker.io normalised). */
export function referencesImage(reference: string, image: ImageReference): boolean {
  // Placeholders such as ${IMAGE} or invalid text are simply not a match.
  const ref = tryParseImageReference(reference)
  return ref !== undefined && sameRepository(ref, image)
}

/** The updated container image: the new repository or the one as written, plus exactly the new tag/digest. */
export function updatedReference(current: string, request: NewReference): string {
  return joinReference(request.newName ?? repositoryText(current), request.tag, request.digest)
}

/** `sha256:0123456789ab…` for messages and summaries. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':')
  return digest.length > colon + 13 ? `${digest.slice(0, colon + 13)}…` : digest
}
