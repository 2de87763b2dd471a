// Reads and validates every input (and the runner's GITHUB_* context) into one typed Settings
// object before anything runs: nothing else in the action reads inputs.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import * as core from '@actions/core'
import {
  digestProblem,
  familiarReference,
  getBoolean,
  getChoice,
  getList,
  computeTags,
  DEFAULT_PLATFORMS,
  getString,
  InputError,
  isServiceName,
  isValidTag,
  parseImageReference,
  parseKeyValueLines,
  parsePlatforms,
  parseRepository,
  repositoryName,
  repositoryUrl,
  errorMessage,
  SERVICE_NAME_EXPECTED,
  type Platform,
  type RefKind,
} from '@aks-gitops/toolkit'
import { defaultTitle, ociLabels } from './labels'
import { commitTime } from './commit-time'
import { parseSourceDateEpoch, type SourceDateEpochChoice } from './reproducible'
import { BINFMT_IMAGE, BUILDKIT_IMAGE } from './pins'
import { provenanceMode, repositoryIsPrivate, type ProvenanceMode } from './provenance'

export const MODES = ['multi', 'platform', 'merge'] as const
export const CACHE_MODES = ['auto', 'gha', 'registry', 'local', 'none'] as const
export const DRIVERS = ['auto', 'docker', 'docker-container'] as const
export const QEMU_CHOICES = ['auto', 'true', 'false'] as const
export const PROVENANCE_CHOICES = ['auto', 'min', 'max', 'true', 'false'] as const
export type Mode = (typeof MODES)[number]
export type CacheMode = (typeof CACHE_MODES)[number]
export type DriverChoice = (typeof DRIVERS)[number]
export type QemuChoice = (typeof QEMU_CHOICES)[number]

export interface Settings {
  mode: Mode
  /** The repository, fully qualified (`127.0.0.1:5000/vote`, `docker.io/acme/vote`). */
  repository: string
  /** The short form for messages (`acme/vote`). */
  displayName: string
  context: string
  file: string
  platforms: Platform[]
  tags: string[]
  version: string
  tagSource: 'input' | RefKind
  buildArgs: Array<[string, string]>
  target?: string
  labels: Record<string, string>
  push: boolean
  /** In `merge` mode: per-platform repo@digest references (push) or OCI layout directories (no push). */
  sources: string[]
  ociLayout: string
  cache: CacheMode
  cacheRef?: string
  driver: DriverChoice
  builder?: string
  /** The BuildKit image of a docker-container builder this action creates. */
  buildkitImage: string
  /** auto: register QEMU only when a foreign platform's stage RUNs (see dockerfile.ts). */
  qemu: QemuChoice
  qemuImage: string
  /** min or max (auto resolved from the repository's visibility), or false. */
  provenance: ProvenanceMode
  sbom: boolean
  runnerTemp: string
  /** SOURCE_DATE_EPOCH (Unix seconds, the commit time): the image's timestamps, so one commit builds one image. */
  sourceDateEpoch?: string
}

type Env = Record<string, string | undefined>

// Wraps a parser's error as an InputError naming the input.
function forInput<T>(name: string, parse: () => T): T {
  try {
    return parse()
  } catch (e) {
    if (e instanceof InputError) throw e
    throw new InputError(name, errorMessage(e))
  }
}

function readTags(env: Env, service: string): { tags: string[]; version: string; tagSource: Settings['tagSource'] } {
  const explicit = getList('tags')
  const versionInput = getString('version')
  for (const tag of explicit) {
    if (!isValidTag(tag)) {
      throw new InputError('tags', `"${tag}" is not a valid tag (letters, digits, _ . -, at most 128 characters, not starting with . or -); give tag names, not image references`)
    }
  }
  const refContext = { ref: env.GITHUB_REF ?? '', sha: env.GITHUB_SHA ?? '', runNumber: env.GITHUB_RUN_NUMBER ?? '', service }
  if (explicit.length > 0) {
    let version = explicit[0] ?? ''
    try {
      version = computeTags(refContext).version
    } catch {
      // Explicit tags do not need a ref that follows GitFlow; the first tag is then the version.
    }
    return { tags: [...new Set(explicit)], version: versionInput || version, tagSource: 'input' }
  }
  const plan = forInput('tags', () => {
    try {
      return computeTags(refContext)
    } catch (e) {
      throw new Error(`none given, and none can be computed from GITHUB_REF: ${errorMessage(e)}`)
    }
  })
  return { tags: plan.tags, version: versionInput || plan.version, tagSource: plan.kind }
}

function readPaths(workspace: string, context: string): { context: string; file: string } {
  if (!existsSync(context) || !statSync(context).isDirectory()) {
    throw new InputError('context', `"${context}" is not a directory (expected the build context, relative to the workspace)`)
  }
  const fileInput = getString('file')
  const file = fileInput === '' ? join(context, 'Dockerfile') : resolve(workspace, fileInput)
  if (!existsSync(file) || !statSync(file).isFile()) {
    throw new InputError('file', `the Dockerfile "${file}" does not exist${fileInput === '' ? ' (the default is <context>/Dockerfile)' : ''}`)
  }
  return { context, file }
}

function readSources(sources: readonly string[], repository: string): string[] {
  return sources.map((source) => {
    if (source.startsWith('sha256:')) {
      const problem = digestProblem(source)
      if (problem) throw new InputError('sources', `"${source}": ${problem}`)
      return `${repository}@${source}`
    }
    const ref = forInput('sources', () => parseImageReference(source))
    if (!ref.digest) throw new InputError('sources', `"${source}" has no digest (expected sha256:<hex> or repo@sha256:<hex>)`)
    return `${repositoryName(ref)}@${ref.digest}`
  })
}

// Without push, merge combines the OCI layouts the per-platform jobs exported (e.g. downloaded artifacts).
function readLayoutSources(sources: readonly string[], workspace: string): string[] {
  return sources.map((source) => {
    const dir = resolve(workspace, source)
    if (!existsSync(join(dir, 'index.json')) || !existsSync(join(dir, 'oci-layout'))) {
      throw new InputError('sources', `"${source}" is not an OCI image layout directory (push is false, so sources are the "oci-layout" outputs of the mode "platform" jobs)`)
    }
    return dir
  })
}

// An image reference the action runs (BuildKit, binfmt): the pinned default unless overridden.
function readImage(name: string, pinned: string): string {
  const value = getString(name)
  if (!value) return pinned
  const ref = forInput(name, () => parseImageReference(value))
  if (!ref.digest) core.warning(`Input "${name}": "${value}" is not pinned by digest; the image can change under the build (pin it as name:tag@sha256:...)`)
  return value
}

// true (the former boolean default) means auto; the event payload says whether the repository is
// private, and is read only for auto (an explicit mode does not depend on it).
function readProvenance(env: Env): ProvenanceMode {
  const input = getChoice('provenance', PROVENANCE_CHOICES, 'auto')
  const choice = input === 'true' ? 'auto' : input
  if (choice !== 'auto') return provenanceMode(choice, false)
  const payload = env.GITHUB_EVENT_PATH && existsSync(env.GITHUB_EVENT_PATH) ? readFileSync(env.GITHUB_EVENT_PATH, 'utf8') : undefined
  return provenanceMode(choice, repositoryIsPrivate(payload))
}

/** The inputs that say where the image's timestamps come from: the build context and `source-date-epoch`. */
function readTimeSource(env: Env): { context: string; epoch: SourceDateEpochChoice | undefined } {
  const context = resolve(env.GITHUB_WORKSPACE || process.cwd(), getString('context', { default: '.' }))
  return { context, epoch: parseSourceDateEpoch(getString('source-date-epoch'), env) }
}

/** readSettings, after git has read the commit time for `source-date-epoch: commit` (also in merge mode, which dates the index). */
export async function loadSettings(env: Env = process.env, now: Date = new Date()): Promise<Settings> {
  const source = readTimeSource(env)
  return readSettings(env, now, source.epoch?.kind === 'commit' ? await commitTime(source.context) : undefined, source)
}

/** Reads every input; throws InputError (naming the input) on the first bad one. `commitSeconds`: loadSettings' git read. */
export function readSettings(env: Env = process.env, now: Date = new Date(), commitSeconds?: string, source = readTimeSource(env)): Settings {
  const mode = getChoice('mode', MODES, 'multi')
  const imageRef = forInput('image', () => parseRepository(getString('image', { required: true })))
  const repository = repositoryName(imageRef)
  const platformList = getList('platforms')
  const platforms = forInput('platforms', () => parsePlatforms(platformList.length > 0 ? platformList : DEFAULT_PLATFORMS))
  const push = getBoolean('push', false)
  const service = getString('service')
  if (service && !isServiceName(service)) throw new InputError('service', `"${service}" is not a service name (expected ${SERVICE_NAME_EXPECTED})`)
  const { tags, version, tagSource } = readTags(env, service)
  const runnerTemp = env.RUNNER_TEMP || join(process.cwd(), '.buildx-multiarch-tmp')
  const workspace = env.GITHUB_WORKSPACE || process.cwd()

  if (mode === 'platform' && platforms.length !== 1) {
    throw new InputError('platforms', `mode "platform" builds exactly one platform per job, got ${platforms.length}`)
  }
  if (push && tags.length === 0 && mode !== 'platform') {
    throw new InputError('tags', `push is true but there are no tags: GITHUB_REF "${env.GITHUB_REF ?? ''}" publishes none (see the GitFlow table); give "tags" explicitly`)
  }
  // Only merge mode has sources: what the platform jobs produced, pushed or as layouts.
  const sourceList = mode === 'merge' ? getList('sources') : []
  const sources = push ? readSources(sourceList, repository) : readLayoutSources(sourceList, workspace)
  if (mode === 'merge' && sources.length === 0) {
    throw new InputError(
      'sources',
      `mode "merge" needs what the mode "platform" jobs produced: ${push ? 'their "digest" outputs' : 'their OCI layout directories ("oci-layout" outputs), as push is false'}`,
    )
  }
  // Merge mode needs no build context: the images already exist (in the registry or in layouts).
  const paths = mode === 'merge' ? { context: workspace, file: '' } : readPaths(workspace, source.context)

  const buildArgs = forInput('build-args', () => parseKeyValueLines(core.getInput('build-args'), 'a build argument'))
  const userLabels = Object.fromEntries(forInput('labels', () => parseKeyValueLines(core.getInput('labels'), 'a label')))
  const target = getString('target') || undefined
  if (target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(target)) {
    throw new InputError('target', `"${target}" is not a build stage name`)
  }
  if (source.epoch?.kind === 'commit' && commitSeconds === undefined) throw new InputError('source-date-epoch', '"commit" needs git: read the settings with loadSettings')
  const sourceDateEpoch = source.epoch?.kind === 'commit' ? commitSeconds : source.epoch?.seconds
  const created = sourceDateEpoch ? new Date(Number(sourceDateEpoch) * 1000) : now
  const labels = ociLabels(
    { source: repositoryUrl(env), revision: env.GITHUB_SHA, version, created: created.toISOString(), title: service || defaultTitle(imageRef.repository) },
    userLabels,
  )
  const layoutInput = getString('oci-layout')
  const ociLayout = layoutInput ? (isAbsolute(layoutInput) ? layoutInput : resolve(workspace, layoutInput)) : join(runnerTemp, 'buildx-multiarch', `${defaultTitle(imageRef.repository)}-oci`)
  const cache = getChoice('cache', CACHE_MODES, 'auto')
  const cacheRef = getString('cache-ref') || undefined
  if (cacheRef && cache === 'registry') forInput('cache-ref', () => parseImageReference(cacheRef))

  const settings: Settings = {
    mode,
    repository,
    displayName: familiarReference(imageRef),
    ...paths,
    platforms,
    tags,
    version,
    tagSource,
    buildArgs,
    labels,
    push,
    sources,
    ociLayout,
    cache,
    driver: getChoice('driver', DRIVERS, 'auto'),
    buildkitImage: readImage('buildkit-image', BUILDKIT_IMAGE),
    qemu: getChoice('qemu', QEMU_CHOICES, 'auto'),
    qemuImage: readImage('qemu-image', BINFMT_IMAGE),
    provenance: readProvenance(env),
    sbom: getBoolean('sbom', true),
    runnerTemp,
  }
  if (target) settings.target = target
  if (cacheRef) settings.cacheRef = cacheRef
  if (sourceDateEpoch) settings.sourceDateEpoch = sourceDateEpoch
  const builder = getString('builder')
  if (builder) settings.builder = builder
  return settings
}
