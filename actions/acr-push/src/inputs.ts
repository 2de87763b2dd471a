// Reads and validates every input into one typed Settings object before anything happens;
// nothing else reads inputs. A bad value throws InputError naming the input.
import { existsSync, statSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import {
  DEFAULT_REGISTRY_LIMITS,
  InputError,
  InvalidReferenceError,
  errorMessage,
  formatPlatform,
  getBoolean,
  getChoice,
  getInteger,
  getList,
  getString,
  isReleaseVersion,
  isValidTag,
  parseImageReference,
  parsePlatforms,
  parseRepository,
  type ImageReference,
  type Platform,
} from '@aks-gitops/toolkit'
import { PUBLIC_AUTHORITY_HOST, defaultAudience, isAcrLoginServer, isGuid, parseAuthorityHost, parseLoginServerSuffix, parseTokenBaseOverride } from './auth/cloud'

export const AUTH_MODES = ['oidc', 'service-principal', 'admin', 'basic', 'none', 'docker-config'] as const
export type AuthMode = (typeof AUTH_MODES)[number]

export type Source = { kind: 'layout'; dir: string } | { kind: 'image'; ref: ImageReference }

export interface Credentials {
  mode: AuthMode
  clientId?: string
  tenantId?: string
  /** service-principal: the client secret; admin/basic: the password. */
  secret?: string
  username?: string
  /** oidc and service-principal only. */
  entra?: EntraSettings
}

export interface EntraSettings {
  /** The authority-host input, else AZURE_AUTHORITY_HOST (as the Azure SDKs read it), else the public cloud's. */
  authorityHost: string
  /** The audience of GitHub's token: the audience input, else the one the authority host's cloud expects. */
  audience: string
  /** Extra ACR login-server suffixes (private DNS names, other clouds, local stand-ins). */
  loginServerSuffixes: string[]
  /** ACR_PUSH_TOKEN_BASE_URL: points the registry token endpoints at a local server in tests (loopback only). */
  tokenBaseOverride?: string
}

export interface Settings {
  source: Source
  /** The repository to publish to (registry/repo, no tag); undefined only with verify-only. */
  destination?: ImageReference
  tags: string[]
  auth: Credentials
  requirePlatforms: Platform[]
  verifyOnly: boolean
  immutableTags: boolean
  maxAttempts: number
  /** Deadline of each registry command (docker, skopeo). */
  timeoutSeconds: number
  /** release-candidate: resolve the rc of this version in `source` (a repository) before anything else. */
  release?: ReleaseCandidateSettings
}

export interface ReleaseCandidateSettings {
  /** X.Y.Z: its candidates are the tags X.Y.Z-rc.N. */
  version: string
  /** The checkout of the tagged commit (full history). */
  gitDirectory: string
  /** The tagged commit (a revision of that checkout). */
  commit: string
  /** Git pathspecs of everything that goes into the image. */
  paths: string[]
  /** The staging manifests (files or globs, absolute) whose pin is preferred; empty = registry tags only. */
  stagingManifests: string[]
}

const LAYOUT_PREFIXES = ['oci:', 'oci-layout://']

/** A source is a layout when it says so (oci:, oci-layout://), looks like a path, or is an existing directory. */
export function parseSource(value: string, workspace: string): Source {
  const prefix = LAYOUT_PREFIXES.find((p) => value.startsWith(p))
  const looksLikePath = prefix !== undefined || value.startsWith('/') || value.startsWith('./') || value.startsWith('../') || value === '.'
  const path = resolve(workspace, prefix ? value.slice(prefix.length) : value)
  if (looksLikePath || (existsSync(path) && statSync(path).isDirectory())) {
    if (!existsSync(resolve(path, 'index.json'))) {
      throw new InputError('source', `no OCI image layout at "${path}" (expected a directory with index.json and blobs/, as buildx-multiarch exports)`)
    }
    return { kind: 'layout', dir: isAbsolute(path) ? path : resolve(path) }
  }
  try {
    const ref = parseImageReference(value)
    if (ref.tag === undefined && ref.digest === undefined) {
      throw new InputError('source', `"${value}" names a repository without a tag or digest; give repo:tag or repo@sha256:..., or an OCI layout directory`)
    }
    return { kind: 'image', ref }
  } catch (e) {
    if (e instanceof InvalidReferenceError) throw new InputError('source', `${e.message} (expected an image reference or an OCI layout directory)`)
    throw e
  }
}

function requireInput(name: string, mode: AuthMode): string {
  const value = getString(name)
  if (value === '') throw new InputError(name, `is required when auth is "${mode}"`)
  return value
}

function guid(name: string, mode: AuthMode): string {
  const value = requireInput(name, mode)
  // Entra tenants may also be given by domain name (contoso.onmicrosoft.com).
  if (!isGuid(value) && !(name === 'tenant-id' && /^[a-z0-9.-]+\.[a-z]{2,}$/i.test(value))) {
    throw new InputError(name, `"${value}" is not a GUID (expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)`)
  }
  return value
}

function readEntra(env: NodeJS.ProcessEnv): EntraSettings {
  const hostInput = getString('authority-host')
  let authorityHost: string
  try {
    authorityHost = parseAuthorityHost(hostInput || env.AZURE_AUTHORITY_HOST || PUBLIC_AUTHORITY_HOST)
  } catch (e) {
    const from = hostInput ? '' : ' (taken from AZURE_AUTHORITY_HOST, since the input is empty)'
    throw new InputError('authority-host', `${errorMessage(e)}${from}`)
  }
  const audience = getString('audience') || defaultAudience(authorityHost)
  if (/\s/.test(audience)) throw new InputError('audience', `"${audience}" contains whitespace (expected e.g. api://AzureADTokenExchange)`)
  const loginServerSuffixes = getList('login-server-suffixes').map((entry) => {
    try {
      return parseLoginServerSuffix(entry)
    } catch (e) {
      throw new InputError('login-server-suffixes', errorMessage(e))
    }
  })
  const override = env.ACR_PUSH_TOKEN_BASE_URL
  return { authorityHost, audience, loginServerSuffixes, ...(override ? { tokenBaseOverride: parseTokenBaseOverride(override) } : {}) }
}

export function readCredentials(env: NodeJS.ProcessEnv = process.env): Credentials {
  const mode = getChoice('auth', AUTH_MODES, 'oidc')
  switch (mode) {
    case 'oidc':
    case 'service-principal': {
      // Both sign in to Entra as the app client-id of tenant-id; only service-principal has a secret.
      const app = { clientId: guid('client-id', mode), tenantId: guid('tenant-id', mode) }
      const secret = mode === 'service-principal' ? { secret: requireInput('client-secret', mode) } : {}
      return { mode, ...app, ...secret, entra: readEntra(env) }
    }
    case 'admin':
    case 'basic':
      return { mode, username: requireInput('username', mode), secret: requireInput('password', mode) }
    default:
      return { mode }
  }
}

/** The release-candidate inputs; undefined when release-candidate is empty. */
export function readReleaseCandidate(workspace: string, env: NodeJS.ProcessEnv): ReleaseCandidateSettings | undefined {
  const version = getString('release-candidate')
  if (version === '') return undefined
  if (!isReleaseVersion(version)) throw new InputError('release-candidate', `"${version}" is not a release version (expected X.Y.Z, e.g. 1.4.2, as in the tag <service>/v1.4.2)`)
  const gitDirectory = resolve(workspace, getString('release-git-directory', { default: '.' }))
  if (!existsSync(gitDirectory) || !statSync(gitDirectory).isDirectory()) {
    throw new InputError('release-git-directory', `"${gitDirectory}" is not a directory (expected the checkout of the tagged commit)`)
  }
  const commit = getString('release-commit', { default: env.GITHUB_SHA || 'HEAD' })
  if (!/^[A-Za-z0-9_][A-Za-z0-9_./^~-]*$/.test(commit)) throw new InputError('release-commit', `"${commit}" is not a commit (expected a SHA or a ref)`)
  const paths = getList('release-paths')
  if (paths.length === 0) {
    throw new InputError('release-paths', 'is required with release-candidate: the paths that go into the image (e.g. apps/vote/**), to check that none changed after the candidate was built')
  }
  for (const entry of paths) {
    // A leading `!` excludes, as in on.push.paths; what follows must still be a relative path.
    const path = entry.startsWith('!') ? entry.slice(1) : entry
    if (path === '' || path.startsWith('/') || path.split('/').includes('..') || path.startsWith(':') || path.startsWith('!')) {
      throw new InputError('release-paths', `"${entry}" is not a path pattern relative to the repository root (expected e.g. apps/vote/**, package.json or !apps/vote/README.md)`)
    }
  }
  if (paths.every((entry) => entry.startsWith('!'))) {
    throw new InputError('release-paths', 'has only exclusions (!...): list the paths that go into the image first, then what to leave out')
  }
  const stagingManifests = getList('release-staging-manifest').map((file) => resolve(workspace, file))
  return { version, gitDirectory, commit, paths, stagingManifests }
}

function releaseSource(value: string): Source {
  try {
    return { kind: 'image', ref: parseRepository(value) }
  } catch (e) {
    if (e instanceof InvalidReferenceError) {
      throw new InputError('source', `${e.message} (with release-candidate, give the staging repository, e.g. myacr.azurecr.io/vote: the candidate's tag is resolved)`)
    }
    throw e
  }
}

export function readSettings(workspace: string): Settings {
  const verifyOnly = getBoolean('verify-only', false)
  const release = readReleaseCandidate(workspace, process.env)
  const sourceText = getString('source', { required: true })
  const source = release ? releaseSource(sourceText) : parseSource(sourceText, workspace)

  let destination: ImageReference | undefined
  const destinationText = getString('destination')
  if (destinationText !== '') {
    try {
      destination = parseRepository(destinationText)
    } catch (e) {
      if (e instanceof InvalidReferenceError) throw new InputError('destination', `${e.message} (expected registry/repository, e.g. myacr.azurecr.io/vote)`)
      throw e
    }
  } else if (!verifyOnly) {
    throw new InputError('destination', 'is required (registry/repository to publish to) unless verify-only is true')
  }
  if (verifyOnly && source.kind === 'layout') {
    throw new InputError('source', 'verify-only reads an image from a registry: give an image reference (repo:tag or repo@digest), not a layout')
  }

  const tags = getList('tags')
  for (const tag of tags) {
    if (!isValidTag(tag)) throw new InputError('tags', `"${tag}" is not a valid tag (expected [A-Za-z0-9_][A-Za-z0-9_.-]{0,127})`)
  }

  let requirePlatforms: Platform[]
  try {
    requirePlatforms = parsePlatforms(getList('require-platforms'))
  } catch (e) {
    throw new InputError('require-platforms', errorMessage(e))
  }

  const auth = readCredentials()
  if (auth.entra && destination && !verifyOnly && !isAcrLoginServer(destination.registry, auth.entra.loginServerSuffixes)) {
    // An ACR refresh token is valid for every registry the identity can reach: it goes to ACR only.
    throw new InputError(
      'destination',
      `"${destination.registry}" is not an Azure Container Registry login server (*.azurecr.io, *.azurecr.cn, *.azurecr.us, or a suffix in login-server-suffixes): auth "${auth.mode}" sends its token to ACR only. For another registry use auth basic or docker-config`,
    )
  }

  return {
    source,
    ...(destination ? { destination } : {}),
    tags: [...new Set(tags)],
    auth,
    requirePlatforms,
    verifyOnly,
    immutableTags: getBoolean('immutable-tags', false),
    maxAttempts: getInteger('max-attempts', DEFAULT_REGISTRY_LIMITS.maxAttempts, { min: 1, max: 10 }),
    timeoutSeconds: getInteger('command-timeout', DEFAULT_REGISTRY_LIMITS.timeoutSeconds, { min: 1, max: 21_600 }),
    ...(release ? { release } : {}),
  }
}

/** For core.debug: the settings without secrets. */
export function describeSettings(s: Settings): string {
  return JSON.stringify({
    source: s.source.kind === 'layout' ? `layout ${s.source.dir}` : s.source.ref,
    destination: s.destination,
    tags: s.tags,
    auth: { ...s.auth, secret: s.auth.secret ? '***' : undefined },
    requirePlatforms: s.requirePlatforms.map(formatPlatform),
    verifyOnly: s.verifyOnly,
    immutableTags: s.immutableTags,
    maxAttempts: s.maxAttempts,
    timeoutSeconds: s.timeoutSeconds,
    release: s.release,
  })
}
