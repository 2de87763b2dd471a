// Runs the steps of one event with the committed action bundles, as the reusable workflow's jobs
// would: build (no push: an OCI layout), publish or promote (acr-push), deploy (bump-manifest on a
// clone of the GitOps remote), verify (render, check every local image's platforms, print the diff).
import { join, resolve } from 'node:path'
import { runAction, REPO_ROOT, type ActionRun } from '@aks-gitops/test-support/action-runner'
import { DEFAULT_MANIFESTS, DEFAULT_PLATFORMS, errorMessage, redeploySource, type Receipt, type RedeployPlan } from '@aks-gitops/toolkit'
import { dependencyAudit, describeAudit, type AuditResult } from './audit'
import {
  checkoutCommit,
  cloneGitops,
  commitTrailers,
  fetchAndCheckout,
  imagesInRender,
  kustomizeImageName,
  renderDiff,
  renderOverlay,
  type RenderedImage,
} from './gitops'
import type { PipelineOptions } from './options'
import type { EventPlan } from './plan'
import type { Progress } from './progress'
import { readReceipt } from './receipt'
import type { ServiceBuild } from './service-paths'
import { StepError } from './step-error'
import { streamCommand } from './stream-command'

export const PLATFORMS = DEFAULT_PLATFORMS.join(',')

export interface RunContext {
  options: PipelineOptions
  progress: Progress
  sha: string
  runNumber: number
  /** Scratch directory of this run (OCI layouts, GitOps clones). */
  workDir: string
  /** The GitOps remote (URL or path). */
  remote: string
  /** Build arguments that point the Dockerfiles at the local base-image stand-ins. */
  buildArgs: string[]
  /** The git repository the commit belongs to (--source, else this repository): the tagged checkout of a promotion. */
  gitDirectory: string
  /** What goes into the service's image, as its caller workflow passes `paths` to the pipeline. */
  paths: string[]
  /** The Dockerfile and build arguments the caller workflow passes to the pipeline. */
  build: ServiceBuild
}

export interface EventResult {
  plan: EventPlan
  /** The release candidate a promotion copies, as acr-push resolved it. */
  candidate?: { tag: string; revision: string; origin: string; image: string }
  /** The dependency audit gate; `unavailable` when the registry's audit endpoint gave no report. */
  audit?: AuditResult
  digest?: string
  /** The index digest the build step produced (publish may keep an equivalent one already in the registry). */
  builtDigest?: string
  platforms?: string
  published: string[]
  manifestCommit?: string
  previousCommit?: string
  verified: { image: string; platforms: string }[]
  unchecked: RenderedImage[]
  diff: string
  /** The image's org.opencontainers.image.revision, as acr-push's verify read it (the redeploy's check). */
  revision?: string
  /** The redeploy's image as resolved (a tag, a digest, or `previous` from the trailers). */
  redeploy?: { source: string; tag: string; digest: string }
  /** bump-manifest's receipt output (README "One deployment receipt"), read back with the toolkit's parseReceipt. */
  receipt?: Receipt
  /** The manifest commit's deploy trailers, as git reads them. */
  trailers?: string
}

const HINTS: Record<string, string> = {
  test: 'run the service tests alone: pnpm exec vitest run apps/<service>',
  audit: 'update the dependency (pnpm update <package> in apps/<service>, or an override in pnpm-workspace.yaml), or raise --audit-level; --no-audit skips the gate',
  build: 'check the Dockerfile and that the engine runs: tools/engine/start.sh --status; tools/engine/base-images.sh rebuilds the base images',
  publish: 'check the registry: curl http://<registry>/v2/ ; tools/engine/start.sh starts the local ones',
  candidate: 'a tag promotes a release candidate X.Y.Z-rc.N of the staging registry built from this commit or an ancestor with no change to the service since: run the release ref for this commit first (pnpm pipeline <service> --ref release/<service>/vX.Y.Z --commit <sha>)',
  promote: 'promotion copies the candidate by digest to the production registry: check that it is up (curl http://<production-registry>/v2/)',
  deploy: 'check that the GitOps remote has k8s-specifications/overlays/<env>/kustomization.yaml and accepts pushes',
  verify: 'the rendered manifests reference an image the registry lacks, or kustomize failed: see the log',
  resolve: 'previous needs an earlier manifest commit of the service with a Previous-Image trailer in that environment: deploy twice first, or give a tag or digest',
  check: `the reference must name an image of that environment's registry with every platform (${DEFAULT_PLATFORMS.join(', ')}): list its tags with skopeo list-tags docker://<registry>/<service>`,
}

function githubEnv(ctx: RunContext, ref: string, workspace: string): Record<string, string> {
  return {
    GITHUB_REF: ref,
    GITHUB_REF_NAME: ref.replace(/^refs\/(heads|tags)\//, ''),
    GITHUB_REF_TYPE: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    GITHUB_SHA: ctx.sha,
    GITHUB_RUN_NUMBER: String(ctx.runNumber),
    GITHUB_RUN_ID: String(Date.now()),
    GITHUB_EVENT_NAME: ref === 'refs/heads/main' ? 'workflow_dispatch' : 'push',
    GITHUB_ACTOR: process.env.USER || 'local',
    GITHUB_REPOSITORY: 'local/aks-gitops',
    GITHUB_SERVER_URL: 'http://localhost',
    GITHUB_WORKSPACE: workspace,
  }
}

function registryAuth(): Record<string, string> {
  const username = process.env.REGISTRY_USERNAME
  const password = process.env.REGISTRY_PASSWORD
  return username && password ? { auth: 'basic', username, password } : { auth: 'none' }
}

async function action(step: string, name: string, inputs: Record<string, string>, env: Record<string, string>, sink: (s: string) => void): Promise<ActionRun> {
  const run = await runAction({ action: `actions/${name}`, inputs, env, cwd: env.GITHUB_WORKSPACE, onOutput: sink })
  if (run.exitCode !== 0) {
    throw new StepError(step, `${name} failed: ${run.errors[0] ?? `exit code ${run.exitCode}`}`, HINTS[step] ?? '')
  }
  return run
}

async function runTests(service: string, sink: (s: string) => void): Promise<void> {
  const failure = { step: 'test', what: `the ${service} tests`, hint: HINTS.test ?? '' }
  await streamCommand({ command: 'pnpm', args: ['exec', 'vitest', 'run', `apps/${service}`], cwd: REPO_ROOT, sink, failure })
}

export async function runEvent(plan: EventPlan, ctx: RunContext): Promise<EventResult> {
  const { options, progress } = ctx
  const result: EventResult = { plan, published: [], verified: [], unchecked: [], diff: '' }
  // The checkout a step works in (GITHUB_WORKSPACE): --source, else this work tree.
  const workspace = options.source ? resolve(options.source) : REPO_ROOT
  const env = githubEnv(ctx, plan.ref, workspace)
  const layout = join(ctx.workDir, `${options.service}-oci-layout`)
  const gitopsDir = join(ctx.workDir, `gitops-${plan.environment ?? 'none'}`)

  for (const step of plan.steps) {
    switch (step) {
      case 'test':
        await progress.step('test', (sink) => runTests(options.service, sink), () => `apps/${options.service}`)
        break
      case 'audit': {
        // The workflow's audit steps themselves. A missing report (this machine's registry
        // access may refuse the audit endpoint) is reported as such and does not stop the run:
        // the summary says the gate did not run; on GitHub the same answer fails the build job.
        const audit = async (sink: (s: string) => void): Promise<AuditResult> => {
          result.audit = dependencyAudit(options.service, options.auditLevel, workspace, sink)
          if (result.audit.status === 'failed') throw new StepError('audit', describeAudit(result.audit), HINTS.audit ?? '')
          return result.audit
        }
        await progress.step('audit', audit, describeAudit)
        break
      }
      case 'build': {
        const inputs = {
          image: plan.stagingImage,
          service: options.service,
          context: '.',
          file: ctx.build.dockerfile,
          platforms: PLATFORMS,
          'build-args': [...Object.entries(ctx.build.buildArgs).map(([name, value]) => `${name}=${value}`), ...ctx.buildArgs].join('\n'),
          push: 'false',
          'oci-layout': layout,
          // The image's timestamps: the committer time of the commit checked out in the workspace,
          // read by the action as in the workflow's build job (so a rebuild is the same image).
          'source-date-epoch': 'commit',
          // An SBOM needs BuildKit's scanner image (docker/buildkit-syft-scanner), which cannot be
          // pulled here; on GitHub the workflow keeps the default. Provenance needs no image.
          sbom: 'false',
        }
        const run = await progress.step('build', (sink) => action('build', 'buildx-multiarch', inputs, env, sink), (r) => `${r.outputs.platforms} ${r.outputs.digest?.slice(0, 19)}…`)
        result.digest = run.outputs.digest
        result.builtDigest = run.outputs.digest
        result.platforms = run.outputs.platforms
        break
      }
      case 'candidate': {
        // The workflow's candidate job: the staging manifest Argo CD syncs, the tagged commit's
        // history, the staging registry; verify-only, so nothing is copied yet.
        const run = await progress.step(
          'candidate',
          async (sink) => {
            const staging = join(ctx.workDir, 'gitops-candidate')
            cloneGitops(ctx.remote, options.branch, staging)
            const inputs = {
              ...registryAuth(),
              source: plan.stagingImage,
              'release-candidate': plan.releaseCandidate ?? '',
              'release-git-directory': ctx.gitDirectory,
              'release-commit': ctx.sha,
              'release-paths': ctx.paths.join('\n'),
              'release-staging-manifest': join(staging, DEFAULT_MANIFESTS.staging),
              'require-platforms': PLATFORMS,
              'verify-only': 'true',
            }
            return action('candidate', 'acr-push', inputs, env, sink)
          },
          (r) => `${r.outputs['candidate-tag']} ${r.outputs.digest?.slice(0, 19)}… (${r.outputs['candidate-origin']}, built from ${r.outputs['candidate-revision']?.slice(0, 12)})`,
        )
        result.candidate = {
          tag: run.outputs['candidate-tag'] ?? '',
          revision: run.outputs['candidate-revision'] ?? '',
          origin: run.outputs['candidate-origin'] ?? '',
          image: run.outputs.image ?? '',
        }
        break
      }
      case 'publish':
      case 'promote': {
        const inputs = {
          ...registryAuth(),
          // A promotion copies exactly the digest the candidate step resolved.
          source: plan.deploy.sourceFromCandidate ? (result.candidate?.image ?? '') : layout,
          destination: plan.destination,
          tags: plan.tags.join(','),
          'require-platforms': PLATFORMS,
          'immutable-tags': String(plan.deploy.immutableTags),
        }
        const run = await progress.step(step, (sink) => action(step, 'acr-push', inputs, env, sink), (r) => r.outputs.image ?? '')
        result.digest = run.outputs.digest
        result.platforms = run.outputs.platforms
        result.published = (run.outputs.tags ?? '').split('\n').filter(Boolean)
        break
      }
      case 'resolve': {
        // redeploy.yml's resolve job: a tag or digest as planRedeploy named it; `previous` from the
        // trailers, by bump-manifest in a dry run on a clone of the GitOps remote.
        const redeploy = plan.redeploy as NonNullable<EventPlan['redeploy']>
        const resolved = await progress.step('resolve', async (sink) => resolveRedeploy(ctx, redeploy.planned, join(ctx.workDir, 'gitops-history'), env, sink), (r) => r.source)
        result.redeploy = resolved
        break
      }
      case 'check': {
        // redeploy.yml's verify job: the image exists with every platform (acr-push verify-only).
        const source = result.redeploy?.source ?? ''
        const inputs = { ...registryAuth(), source, 'verify-only': 'true', 'require-platforms': PLATFORMS }
        const run = await progress.step('check', (sink) => action('check', 'acr-push', inputs, env, sink), (r) => `${r.outputs.digest?.slice(0, 19)}… [${r.outputs.platforms}]`)
        result.digest = run.outputs.digest
        result.platforms = run.outputs.platforms
        if (run.outputs.revision) result.revision = run.outputs.revision
        break
      }
      case 'deploy': {
        const manifest = plan.manifest ?? ''
        const run = await progress.step(
          'deploy',
          async (sink) => {
            result.previousCommit = cloneGitops(ctx.remote, options.branch, gitopsDir)
            const inputs = {
              'working-directory': gitopsDir,
              files: manifest,
              image: kustomizeImageName(join(gitopsDir, manifest), options.service),
              'new-name': plan.destination,
              tag: result.redeploy ? result.redeploy.tag : plan.deploy.primaryTag,
              digest: result.digest ?? '',
              branch: options.branch,
              environment: plan.environment ?? '',
              ...safeDeployInputs(plan, ctx, result),
            }
            return action('deploy', 'bump-manifest', inputs, { ...env, GITHUB_WORKSPACE: gitopsDir }, sink)
          },
          (r) => (r.outputs.changed === 'true' ? `commit ${r.outputs['commit-sha']?.slice(0, 12)} on ${options.branch}` : r.outputs.refused ? `not deployed: ${r.outputs.refused}` : 'already deployed: no change'),
        )
        result.manifestCommit = run.outputs['commit-sha'] || result.previousCommit
        if (run.outputs.receipt) result.receipt = readReceipt(run.outputs.receipt)
        if (run.outputs['commit-sha']) result.trailers = commitTrailers(gitopsDir, run.outputs['commit-sha'])
        break
      }
      case 'verify':
        await progress.step('verify', (sink) => verify(plan, ctx, gitopsDir, result, sink), () => `${result.verified.length} image(s) checked, ${result.unchecked.length} outside the local registries`)
        break
    }
  }
  return result
}

/** Renders the environment at the new commit, checks the images in our registries, and diffs against the previous commit. */
async function verify(plan: EventPlan, ctx: RunContext, dir: string, result: EventResult, sink: (s: string) => void): Promise<void> {
  const environment = plan.environment ?? 'staging'
  const newCommit = fetchAndCheckout(dir, ctx.options.branch)
  const after = renderOverlay(dir, environment)
  const registries = [ctx.options.registry, ctx.options.productionRegistry].map((r) => `${r}/`)
  const seen = new Set<string>()
  for (const item of imagesInRender(after)) {
    if (seen.has(item.image)) continue
    seen.add(item.image)
    if (!registries.some((r) => item.image.startsWith(r))) {
      result.unchecked.push(item)
      continue
    }
    const inputs = { ...registryAuth(), source: item.image, 'verify-only': 'true', 'require-platforms': PLATFORMS }
    const run = await action('verify', 'acr-push', inputs, githubEnv(ctx, plan.ref, dir), sink)
    result.verified.push({ image: item.image, platforms: run.outputs.platforms ?? '' })
  }
  if (result.previousCommit && result.previousCommit !== newCommit) {
    checkoutCommit(dir, result.previousCommit)
    const before = renderOverlay(dir, environment)
    checkoutCommit(dir, newCommit)
    result.diff = renderDiff(before, after, [`${environment}@${result.previousCommit.slice(0, 12)}`, `${environment}@${newCommit.slice(0, 12)}`])
  }
}

/**
 * The deploy step's safe-deploy inputs, as the workflows set them: the platforms and the source
 * history for the trailers and the order, the stages so far for the receipt, supersede-hold for a
 * release, and for a redeploy allow-downgrade (an older image holds the service) and release-hold.
 */
function safeDeployInputs(plan: EventPlan, ctx: RunContext, result: EventResult): Record<string, string> {
  const inputs: Record<string, string> = {
    platforms: result.platforms ?? PLATFORMS,
    'source-git-directory': ctx.gitDirectory,
    'stage-seconds': ctx.progress.timings.map((t) => `${t.name}=${t.seconds.toFixed(1)}`).join(','),
    attestations: 'none (no attestation store locally; on GitHub: provenance, sbom)',
  }
  if (plan.deploy.supersedeHold) inputs['supersede-hold'] = 'true'
  // A promotion builds nothing: its image comes from the release candidate's commit.
  if (plan.deploy.sourceFromCandidate && result.candidate?.revision) inputs['source-commit'] = result.candidate.revision
  // A redeploy's image was built earlier: its revision label says from which commit.
  if (plan.redeploy && result.revision) inputs['source-commit'] = result.revision
  if (plan.redeploy) Object.assign(inputs, { 'allow-downgrade': 'true', 'release-hold': String(plan.redeploy.releaseHold) })
  return inputs
}

/** redeploy.yml's resolve job: the image to verify, named in the environment's registry. */
async function resolveRedeploy(ctx: RunContext, planned: RedeployPlan, dir: string, env: Record<string, string>, sink: (s: string) => void): Promise<{ source: string; tag: string; digest: string }> {
  if (!planned.previous) return { source: planned.source, tag: planned.tag, digest: planned.digest }
  cloneGitops(ctx.remote, ctx.options.branch, dir)
  const manifest = planned.manifests
  const inputs = {
    'working-directory': dir,
    files: manifest,
    image: kustomizeImageName(join(dir, manifest), ctx.options.service),
    'new-name': planned.image,
    previous: 'true',
    'allow-downgrade': 'true',
    'dry-run': 'true',
  }
  const run = await action('resolve', 'bump-manifest', inputs, { ...env, GITHUB_WORKSPACE: dir }, sink)
  const tag = run.outputs['pinned-tag'] ?? ''
  const digest = run.outputs['pinned-digest'] ?? ''
  try {
    return { source: redeploySource(planned.image, { tag, digest }), tag, digest }
  } catch (e) {
    throw new StepError('resolve', errorMessage(e), HINTS.resolve ?? '')
  }
}
