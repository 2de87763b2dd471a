// Command-line options of the local pipeline, parsed and validated in one place. Pure: no I/O.
import {
  parseRedeployReference,
  parseReleaseRef,
  parseServiceRelease,
  REDEPLOY_REFERENCE_EXPECTED,
  RefError,
  releaseRefs,
  repositoryName,
  REPOSITORY_COMPONENT_EXPECTED,
  tryParseImageReference,
  type DeployEnvironment,
} from '@aks-gitops/toolkit'

export const SERVICES = ['vote', 'result', 'worker'] as const
export type Service = (typeof SERVICES)[number]
/** Which Docker engine builds: next = tools/engine/next-engine.sh (reproducible), default = the one at /var/run/docker.sock. */
export type BuildEngine = 'next' | 'default'
export const BUILD_ENGINES: readonly BuildEngine[] = ['next', 'default']

export interface PipelineOptions {
  service: Service
  /** The GitFlow ref to simulate, fully qualified (refs/heads/..., refs/tags/...). */
  ref: string
  /** production: after a release ref, also run the tag event that promotes it. */
  env: DeployEnvironment
  /** Staging registry (plus an optional namespace path), e.g. 127.0.0.1:5000 or myacr.azurecr.io/team. */
  registry: string
  productionRegistry: string
  /** URL or path of the GitOps repository; empty = a local bare remote under the state directory. */
  remote: string
  /** The branch Argo CD syncs. */
  branch: string
  /** The commit the event is for (GITHUB_SHA), a revision of this repository. */
  commit: string
  /** The directory to build (the workspace of the build step); empty = this repository's work tree. */
  source: string
  runTests: boolean
  /** Run the dependency audit gate (the workflow's audit steps) before the build. */
  audit: boolean
  /** Its threshold (low, moderate, high, critical); empty: the workflow's default audit-level. */
  auditLevel: string
  /** The engine the build and publish steps use (--engine, else PIPELINE_ENGINE, else next). */
  engine: BuildEngine
  /** The redeploy event (redeploy.yml's workflow_dispatch) instead of a GitFlow ref. */
  redeploy?: Redeploy
}

export interface Redeploy {
  /** An existing tag, a digest (sha256:...), or `previous` (one step back, from the trailers). */
  reference: string
  /** redeploy.yml's release-hold input. */
  releaseHold: boolean
}

export const USAGE = `Usage: pnpm pipeline <service> [options]

Runs one GitFlow event of a service on this machine with the same action bundles the workflows
use (actions/*/dist/index.js, run as the GitHub runner runs them): test, buildx-multiarch
(linux/amd64 + linux/arm64), acr-push (publish and platform gate), bump-manifest (commit and push
to the GitOps remote), then verifies what Argo CD would deploy.

  <service>                 vote, result or worker

Options:
  --ref <ref>               GitFlow ref (default release/<service>/v1.0.0):
                              feature/<name>             build only
                              develop                    build, publish sha-<7>, deploy staging
                              release/<service>/vX.Y.Z   build, publish X.Y.Z-rc.<n> + sha-<7>, deploy staging
                              <service>/vX.Y.Z (a tag)   promote the release candidate staging ran
                                                         (X.Y.Z-rc.<n>) to production as X.Y.Z
  --env staging|production  production after a release ref: also run the tag event that promotes
                            the release to production (default staging; a tag ref implies production)
  --registry <host[/ns]>    staging registry (default 127.0.0.1:5000, started locally)
  --production-registry <host[/ns]>
                            production registry (default 127.0.0.1:5001, started locally)
  --remote <url|path>       GitOps repository holding k8s-specifications/ (default a local bare
                            remote seeded from this repository, under the state directory)
  --branch <name>           branch Argo CD syncs (default main)
  --commit <rev>            the commit the event is for (GITHUB_SHA; default HEAD). A tag promotes
                            the candidate staging pins, else the newest X.Y.Z-rc.<n> built from
                            this commit or an ancestor with no change to the service's paths since
  --source <dir>            directory to build, e.g. another checkout of this repository
                            (default this work tree, uncommitted changes included); when it is a
                            git checkout, --commit names a commit of it. The image's timestamps
                            are the committer time of the commit checked out there
  --no-test                 skip the service's tests
  --audit-level <level>     fail the dependency audit at low, moderate, high or critical
                            (default: the reusable workflow's audit-level input)
  --no-audit                skip the dependency audit (pnpm audit of the service's packages)
  --redeploy <tag|digest|previous>
                            the redeploy workflow instead of a ref: pin an existing image of the
                            --env environment's registry (checked there with its platforms), or
                            previous (one step back, from the manifest commits' trailers); an
                            older image holds the service (README "Safe deploys")
  --release-hold            with --redeploy: release the service's hold in that environment
  --engine next|default     the Docker engine that builds (default next, or PIPELINE_ENGINE):
                              next     tools/engine/next-engine.sh, dockerd 26.1 with the containerd
                                       image store beside the default engine; its BuildKit honours
                                       SOURCE_DATE_EPOCH and rewrite-timestamp, so the same commit
                                       gives the same image even after docker builder prune
                              default  the engine at /var/run/docker.sock (dockerd 20.10): each
                                       cold build of one commit gives a new digest
  -h, --help                this text

Environment: LOCAL_STATE_DIR (default /var/lib/aks-gitops-local) holds the engines' data, the
local GitOps remote, run numbers and logs. PIPELINE_ENGINE=next|default chooses the engine when
--engine is not given. Registries that need credentials read REGISTRY_USERNAME / REGISTRY_PASSWORD.`

export class UsageError extends Error {
  override name = 'UsageError'
}

/** Turns a short ref (`develop`, `release/vote/v1.0.0`, `vote/v1.0.0`) into a full one: the service's release tags are tags, the rest branches. */
export function qualifyRef(ref: string, service: string): string {
  if (ref.startsWith('refs/')) return ref
  const release = parseServiceRelease(ref)
  return release?.service === service ? releaseRefs(service, release.version).tag : `refs/heads/${ref}`
}

// The value prefixes the service's image (value/service), so image-ref.ts's rules decide: a registry
// host, then repository path components, read back unchanged (so a host Docker would take for a
// Docker Hub namespace, such as "myacr", is refused rather than published to Docker Hub).
function isRegistryPrefix(value: string, service: string): boolean {
  const image = `${value}/${service}`
  const ref = tryParseImageReference(image)
  return ref !== undefined && !ref.tag && !ref.digest && repositoryName(ref) === image
}

function releaseOf(ref: string, service: string): ReturnType<typeof parseReleaseRef> {
  try {
    return parseReleaseRef(ref, service)
  } catch (error) {
    if (error instanceof RefError) throw new UsageError(`--ref: ${error.message}`)
    throw error
  }
}

/** `environment` is the process environment (only PIPELINE_ENGINE is read), passed in so parsing stays pure. */
export function parseOptions(argv: readonly string[], environment: Readonly<Record<string, string | undefined>> = {}): PipelineOptions | 'help' {
  const values: Record<string, string> = {}
  const positional: string[] = []
  let runTests = true
  let audit = true
  let releaseHold = false
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? ''
    if (arg === '-h' || arg === '--help') return 'help'
    if (arg === '--no-test') {
      runTests = false
    } else if (arg === '--no-audit') {
      audit = false
    } else if (arg === '--release-hold') {
      releaseHold = true
    } else if (arg.startsWith('--')) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2)
      if (!['ref', 'env', 'registry', 'production-registry', 'remote', 'branch', 'commit', 'source', 'audit-level', 'redeploy', 'engine'].includes(name ?? '')) {
        throw new UsageError(`unknown option ${arg} (see --help)`)
      }
      const value = inline ?? argv[++i]
      if (value === undefined || value === '') throw new UsageError(`${arg} needs a value`)
      values[name as string] = value
    } else {
      positional.push(arg)
    }
  }
  if (positional.length !== 1) throw new UsageError(`give exactly one service (${SERVICES.join(', ')}); see --help`)
  const service = positional[0] as Service
  if (!SERVICES.includes(service)) throw new UsageError(`unknown service "${service}" (expected ${SERVICES.join(', ')})`)

  const redeploy = values.redeploy
  if (redeploy !== undefined) {
    if (values.ref !== undefined) throw new UsageError('--redeploy runs the redeploy workflow, which is dispatched from main: give --ref or --redeploy, not both')
    // redeploy.yml's rule for its reference input (the toolkit's), checked here to fail as a usage error.
    if (!parseRedeployReference(redeploy)) {
      throw new UsageError(`--redeploy "${redeploy}" is not ${REDEPLOY_REFERENCE_EXPECTED}`)
    }
  } else if (releaseHold) {
    throw new UsageError('--release-hold goes with --redeploy (the redeploy workflow\'s release-hold input)')
  }
  const ref = redeploy !== undefined ? 'refs/heads/main' : values.ref !== undefined ? qualifyRef(values.ref, service) : releaseRefs(service, '1.0.0').branch
  // gitflow.ts's reading of the ref: a release branch or tag of another shape or service is refused here, before anything runs.
  const release = releaseOf(ref, service)
  const env = values.env ?? (release?.kind === 'production' ? 'production' : 'staging')
  if (env !== 'staging' && env !== 'production') throw new UsageError(`--env must be staging or production, not "${env}"`)
  if (env === 'production' && redeploy === undefined && !release) {
    throw new UsageError(`--env production needs a release ref (release/${service}/vX.Y.Z) or a tag (${service}/vX.Y.Z), not ${ref}`)
  }
  for (const name of ['registry', 'production-registry'] as const) {
    const value = values[name]
    if (value !== undefined && !isRegistryPrefix(value, service)) {
      throw new UsageError(`--${name} "${value}" is not a registry host[:port][/namespace] (each namespace component: ${REPOSITORY_COMPONENT_EXPECTED})`)
    }
  }
  const auditLevel = values['audit-level'] ?? ''
  if (auditLevel !== '' && !['low', 'moderate', 'high', 'critical'].includes(auditLevel)) {
    throw new UsageError(`--audit-level must be low, moderate, high or critical, not "${auditLevel}"`)
  }
  const engine = values.engine ?? (environment.PIPELINE_ENGINE || 'next')
  if (!(BUILD_ENGINES as readonly string[]).includes(engine)) {
    const from = values.engine !== undefined ? '--engine' : 'PIPELINE_ENGINE'
    throw new UsageError(`${from} must be next or default, not "${engine}"`)
  }
  return {
    service,
    ref,
    env,
    registry: values.registry ?? '127.0.0.1:5000',
    productionRegistry: values['production-registry'] ?? '127.0.0.1:5001',
    remote: values.remote ?? '',
    branch: values.branch ?? 'main',
    commit: values.commit ?? 'HEAD',
    source: values.source ?? '',
    runTests,
    audit,
    auditLevel,
    engine: engine as BuildEngine,
    ...(redeploy !== undefined ? { redeploy: { reference: redeploy, releaseHold } } : {}),
  }
}
