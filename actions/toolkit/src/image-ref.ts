// Image references parsed the way Docker's distribution/reference package does
// (ParseNormalizedNamed): registry host with optional port, repository path,
// tag, digest, and the docker.io / library/ normalisation. Pure: no I/O.
import { splitHostPort } from './host-port'
import { isRepositoryComponent, REPOSITORY_COMPONENT_EXPECTED } from './repository-name'

/** A fully normalised image reference. `registry` is always set (docker.io by default). */
export interface ImageReference {
  registry: string
  repository: string
  tag?: string
  digest?: string
}

export const DEFAULT_REGISTRY = 'docker.io'
const LEGACY_DEFAULT_REGISTRY = 'index.docker.io'
const OFFICIAL_REPO_PREFIX = 'library/'
const NAME_TOTAL_LENGTH_MAX = 255

const TAG_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/
const DOMAIN_COMPONENT_RE = /^(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])$/
const IPV6_RE = /^\[[a-fA-F0-9:]+\]$/
const PORT_RE = /^[0-9]+$/
const ANCHORED_IDENTIFIER_RE = /^[a-f0-9]{64}$/

/** Digest algorithms we accept and the hex length each one requires (as go-digest validates). */
const DIGEST_HEX_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 }

export class InvalidReferenceError extends Error {
  override name = 'InvalidReferenceError'
}

/** True when `tag` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`. */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag)
}

/** The reason a digest is invalid, or undefined when it is valid (`sha256:<64 lowercase hex>`, ...). */
export function digestProblem(digest: string): string | undefined {
  const colon = digest.indexOf(':')
  if (colon <= 0) return 'a digest is written algorithm:hex, e.g. sha256:<64 hex characters>'
  const algorithm = digest.slice(0, colon)
  const hex = digest.slice(colon + 1)
  const length = DIGEST_HEX_LENGTH[algorithm]
  if (length === undefined) {
    return `unsupported digest algorithm "${algorithm}" (expected one of ${Object.keys(DIGEST_HEX_LENGTH).join(', ')})`
  }
  if (!/^[a-f0-9]*$/.test(hex)) return 'the digest must be lowercase hexadecimal after the algorithm'
  if (hex.length !== length) return `a ${algorithm} digest has ${length} hex characters, got ${hex.length}`
  return undefined
}

function isValidDomain(domain: string): boolean {
  const split = splitHostPort(domain)
  if (!split || split.host === '') return false
  if (split.port !== undefined && !PORT_RE.test(split.port)) return false
  if (IPV6_RE.test(split.host)) return true
  return split.host.split('.').every((part) => DOMAIN_COMPONENT_RE.test(part))
}

// The first path element is a registry only when it looks like one: it has a '.' or ':',
// is "localhost", or has uppercase letters (never valid in a repository).
export function looksLikeRegistry(first: string): boolean {
  return first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()
}

/**
 * Parses and normalises an image reference: `vote`, `myacr.azurecr.io/team/vote:1.2.3`,
 * `localhost:5000/vote@sha256:...`. Throws InvalidReferenceError with a message that says what is wrong.
 */
export function parseImageReference(input: string): ImageReference {
  const text = input.trim()
  const fail = (why: string): never => {
    throw new InvalidReferenceError(`invalid image reference "${input}": ${why}`)
  }
  if (text === '') fail('it is empty')
  if (/\s/.test(text)) fail('it contains white space')
  if (ANCHORED_IDENTIFIER_RE.test(text)) fail('a 64-character hexadecimal string is an image ID, not a repository name')

  let remainder = text
  let digest: string | undefined
  const at = remainder.indexOf('@')
  if (at >= 0) {
    digest = remainder.slice(at + 1)
    remainder = remainder.slice(0, at)
    const problem = digestProblem(digest)
    if (problem) fail(problem)
  }

  // A tag follows the last ':' that comes after the last '/' (a ':' before it is a port).
  let tag: string | undefined
  const lastSlash = remainder.lastIndexOf('/')
  const lastColon = remainder.lastIndexOf(':')
  if (lastColon > lastSlash) {
    tag = remainder.slice(lastColon + 1)
    remainder = remainder.slice(0, lastColon)
    if (!isValidTag(tag)) {
      fail(`tag "${tag}" is not valid (expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`)
    }
  }

  if (remainder === '') fail('the repository name is missing')
  if (remainder.length > NAME_TOTAL_LENGTH_MAX) fail(`the name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`)

  const slash = remainder.indexOf('/')
  let registry = DEFAULT_REGISTRY
  let repository = remainder
  if (slash >= 0 && looksLikeRegistry(remainder.slice(0, slash))) {
    registry = remainder.slice(0, slash)
    repository = remainder.slice(slash + 1)
    if (!isValidDomain(registry)) fail(`"${registry}" is not a valid registry host`)
  }
  if (registry === LEGACY_DEFAULT_REGISTRY) registry = DEFAULT_REGISTRY
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = OFFICIAL_REPO_PREFIX + repository

  if (repository !== repository.toLowerCase()) fail(`repository name "${repository}" must be lowercase`)
  for (const component of repository.split('/')) {
    if (!isRepositoryComponent(component)) {
      fail(
        component === ''
          ? 'the repository path has an empty component'
          : `"${component}" is not a valid repository path component (${REPOSITORY_COMPONENT_EXPECTED})`,
      )
    }
  }

  const ref: ImageReference = { registry, repository }
  if (tag !== undefined) ref.tag = tag
  if (digest !== undefined) ref.digest = digest
  return ref
}

/** parseImageReference for text that may be no reference at all (a placeholder such as ${IMAGE}): undefined then. */
export function tryParseImageReference(input: string): ImageReference | undefined {
  try {
    return parseImageReference(input)
  } catch (error) {
    if (error instanceof InvalidReferenceError) return undefined
    throw error
  }
}

/** `registry/repository`, fully qualified (docker.io/library/redis). */
export function repositoryName(ref: Pick<ImageReference, 'registry' | 'repository'>): string {
  return `${ref.registry}/${ref.repository}`
}

/** The normalised reference as text: `registry/repository[:tag][@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return repositoryName(ref) + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '')
}

/** The short form Docker prints: drops docker.io/ and library/ (`redis:7` rather than `docker.io/library/redis:7`). */
export function familiarReference(ref: ImageReference): string {
  let name = repositoryName(ref)
  if (ref.registry === DEFAULT_REGISTRY) {
    name = ref.repository.startsWith(OFFICIAL_REPO_PREFIX) ? ref.repository.slice(OFFICIAL_REPO_PREFIX.length) : ref.repository
  }
  return name + (ref.tag ? `:${ref.tag}` : '') + (ref.digest ? `@${ref.digest}` : '')
}

/** True when both references name the same repository, whatever their tags and digests. */
export function sameRepository(a: ImageReference, b: ImageReference): boolean {
  return a.registry === b.registry && a.repository === b.repository
}

/** Parses a reference that must name a repository only (no tag, no digest), such as an `image` input. */
export function parseRepository(input: string): ImageReference {
  const ref = parseImageReference(input)
  if (ref.tag !== undefined || ref.digest !== undefined) {
    throw new InvalidReferenceError(`"${input}" must name a repository only, without a tag or digest`)
  }
  return ref
}
