// `pnpm pipeline <service>`: one GitFlow event of a service, end to end, on this machine.
// See options.ts for the flags and plan.ts for what each ref does.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
// The base-image stand-ins always come from the local registry (tools/engine/base-images.sh).
import { baseImageBuildArgs } from '@aks-gitops/test-support/base-images'
import { errorMessage } from '@aks-gitops/toolkit'
import { argoCdSkipped } from './argocd'
import { describeAudit } from './audit'
import { receiptLines } from './receipt'
import { ensureLocalRemote } from './gitops'
import { serviceBuild, servicePaths } from './service-paths'
import { parseOptions, USAGE, UsageError, type PipelineOptions } from './options'
import { planEvents, type EventPlan } from './plan'
import { formatSeconds, Progress } from './progress'
import { StepError } from './step-error'
import { streamCommand } from './stream-command'
import { runEvent, type EventResult, type RunContext } from './steps'

const ENGINE_STATE = process.env.LOCAL_STATE_DIR ?? '/var/lib/aks-gitops-local'
const STATE_DIR = process.env.PIPELINE_STATE_DIR ?? join(ENGINE_STATE, 'pipeline')

/** Runs a script of this repository, streams its output to the log, and returns its stdout. */
function runScript(script: string, args: string[], sink: (s: string) => void, env: Record<string, string> = {}): Promise<string> {
  const failure = { step: 'engine', what: script, hint: `run it by hand to see why: bash ${script}` }
  return streamCommand({ command: 'bash', args: [join(REPO_ROOT, script), ...args], cwd: REPO_ROOT, env, sink, failure })
}

/**
 * Starts the engines and the base images; returns the environment that points the docker CLI at
 * the engine that builds (--engine): next-engine.sh's DOCKER_HOST, or nothing for the default one.
 * The default engine is started either way: the registries and QEMU come with it, and other
 * tools (and tests) use it.
 */
async function startEngine(engine: PipelineOptions['engine'], sink: (s: string) => void): Promise<{ env: Record<string, string>; describe: string }> {
  await runScript('tools/engine/start.sh', ['--quiet'], sink)
  let env: Record<string, string> = {}
  if (engine === 'next') {
    const out = await runScript('tools/engine/next-engine.sh', ['start'], sink)
    const host = /^DOCKER_HOST=(\S+)$/m.exec(out)?.[1]
    if (!host) throw new StepError('engine', 'tools/engine/next-engine.sh printed no DOCKER_HOST', 'run it by hand to see why: bash tools/engine/next-engine.sh start; or --engine default')
    env = { DOCKER_HOST: host }
  }
  await runScript('tools/engine/base-images.sh', [], sink, env)
  const version = execFileSync('docker', ['version', '--format', '{{.Server.Version}}'], { encoding: 'utf8', env: { ...process.env, ...env } }).trim()
  return { env, describe: `${engine} engine, dockerd ${version}${env.DOCKER_HOST ? ` at ${env.DOCKER_HOST}` : ''}` }
}

/** The repository --commit names: a --source that is a git checkout, else this repository. */
function gitDirectoryOf(options: PipelineOptions): string {
  return options.source && existsSync(join(resolve(options.source), '.git')) ? resolve(options.source) : REPO_ROOT
}

function resolveCommit(rev: string, gitDirectory: string): string {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], { cwd: gitDirectory, encoding: 'utf8' }).trim()
  } catch {
    throw new StepError('setup', `--commit ${rev} is not a commit of ${gitDirectory}`, 'give a commit SHA, branch or tag: git log --oneline')
  }
}

function nextRunNumber(service: string): number {
  const file = join(STATE_DIR, 'run-numbers', service)
  mkdirSync(join(STATE_DIR, 'run-numbers'), { recursive: true })
  const next = (existsSync(file) ? Number(readFileSync(file, 'utf8')) || 0 : 0) + 1
  writeFileSync(file, String(next))
  return next
}

function describeEvent(plan: EventPlan): string {
  if (plan.redeploy) return `── redeploy ${plan.redeploy.reference} to ${plan.environment} (redeploy.yml, dispatched from main)`
  const where = plan.environment ? `deploys to ${plan.environment}` : 'build only, nothing published'
  return `── ${plan.ref.replace(/^refs\/(heads|tags)\//, '')} (${plan.kind}): ${where}${plan.tags.length ? `, tags ${plan.tags.join(', ')}` : ''}`
}

function printSummary(progress: Progress, options: PipelineOptions, results: EventResult[], started: number, engine: string): void {
  progress.line('')
  for (const r of results) {
    if (r.diff) {
      progress.line(`What Argo CD would apply to ${r.plan.environment}:`)
      for (const line of r.diff.trimEnd().split('\n')) progress.line(`  ${line}`)
      progress.line('')
    }
  }
  progress.line(`Summary: ${options.service}`)
  for (const r of results) {
    progress.line(`  ref        ${r.plan.ref}`)
    if (r.audit) progress.line(`  audit      ${r.audit.status === 'passed' ? 'passed: ' : ''}${describeAudit(r.audit)}`)
    if (r.candidate) progress.line(`  candidate  ${r.candidate.tag} (${r.candidate.origin}), built from ${r.candidate.revision}`)
    if (r.published.length) progress.line(`  published  ${r.published.join('\n             ')}`)
    else if (r.plan.tags.length === 0 && !r.plan.redeploy) progress.line(`  published  nothing (${r.plan.kind} builds are not published)`)
    if (r.digest) progress.line(`  digest     ${r.digest}`)
    if (r.platforms) progress.line(`  platforms  ${r.platforms}`)
    if (r.redeploy) progress.line(`  redeploy   ${r.redeploy.source} (${options.redeploy?.reference}${options.redeploy?.releaseHold ? ', release-hold' : ''})`)
    if (r.manifestCommit) progress.line(`  manifests  ${r.manifestCommit} (${r.plan.environment}, ${options.branch})`)
    // Safe deploys, items 1-3 and 5: the trailers of the manifest commit and the receipt.
    if (r.trailers) progress.line(`  trailers   ${r.trailers.split('\n').join(`\n${' '.repeat(13)}`)}`)
    if (r.receipt) for (const line of receiptLines(r.receipt)) progress.line(line)
    // Safe deploys: Argo CD's word on the commit needs an Argo CD and GitHub's commit statuses.
    // Only for a commit this run landed: a refused or unchanged deploy has nothing to wait for (the receipt's sync row says so).
    if (r.manifestCommit && r.plan.environment && r.receipt?.commit !== '') progress.line(`  argo cd    ${argoCdSkipped(r.plan.environment, r.manifestCommit)}`)
    for (const v of r.verified) progress.line(`  verified   ${v.image} [${v.platforms}]`)
    for (const u of r.unchecked) progress.line(`  unchecked  ${u.image} (not in a local registry)`)
  }
  // Where the build cache lives: `docker builder prune` there makes the next build cold.
  progress.line(`  engine     ${engine}`)
  progress.line(`  steps      ${progress.timings.map((t) => `${t.name} ${t.seconds.toFixed(1)}s`).join(', ')}`)
  progress.line(`  total      ${formatSeconds(Date.now() - started)}`)
  progress.line(`  log        ${progress.logFile}`)
}

export async function main(argv: readonly string[]): Promise<number> {
  let options: PipelineOptions
  try {
    const parsed = parseOptions(argv, process.env)
    if (parsed === 'help') {
      process.stdout.write(`${USAGE}\n`)
      return 0
    }
    options = parsed
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`pipeline: ${error.message}\n`)
    return 2
  }

  const started = Date.now()
  mkdirSync(join(STATE_DIR, 'logs'), { recursive: true })
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const progress = new Progress(process.stdout, join(STATE_DIR, 'logs', `${options.service}-${stamp}.log`))
  const workDir = mkdtempSync(join(STATE_DIR, 'run-'))
  const results: EventResult[] = []
  let engineLine = ''
  try {
    const gitDirectory = gitDirectoryOf(options)
    const sha = resolveCommit(options.commit, gitDirectory)
    const runNumber = nextRunNumber(options.service)
    const events = planEvents(options, sha, runNumber)
    progress.line(`pipeline ${options.service} at ${sha.slice(0, 7)}, run #${runNumber}`)

    const engine = await progress.step('engine', (sink) => startEngine(options.engine, sink), (e) => `${e.describe}; buildx, QEMU, registries, base images`)
    // Every later step runs its action bundle or script as a child of this process, as a runner's
    // steps inherit its environment: they all build and read images on the chosen engine.
    Object.assign(process.env, engine.env)
    engineLine = engine.describe
    // Build-only events (feature branches, pull requests) never touch the GitOps repository.
    const deploys = events.some((e) => e.steps.includes('deploy'))
    const remote = deploys
      ? await progress.step('remote', async () => options.remote || ensureLocalRemote(STATE_DIR, REPO_ROOT, options.branch), (r) => r)
      : ''

    const paths = servicePaths(REPO_ROOT, options.service)
    const build = serviceBuild(REPO_ROOT, options.service)
    const ctx: RunContext = { options, progress, sha, runNumber, workDir, remote, buildArgs: baseImageBuildArgs(), gitDirectory, paths, build }
    for (const plan of events) {
      progress.line(describeEvent(plan))
      if (plan.environment === 'production') {
        progress.line('   (on GitHub the production environment\'s reviewers approve here; locally it proceeds)')
      }
      results.push(await runEvent(plan, ctx))
    }
    printSummary(progress, options, results, started, engineLine)
    writeFileSync(join(STATE_DIR, `last-run-${options.service}.json`), JSON.stringify({ options, sha, runNumber, results, timings: progress.timings }, null, 2))
    return 0
  } catch (error) {
    const step = error instanceof StepError ? error.step : progress.timings.at(-1)?.name ?? 'setup'
    progress.line('')
    progress.line(`✘ pipeline failed in step "${step}": ${errorMessage(error)}`)
    if (error instanceof StepError && error.hint) progress.line(`  what to do: ${error.hint.replace(/<service>/g, options.service)}`)
    progress.line(`  full log: ${progress.logFile}`)
    return 1
  } finally {
    rmSync(workDir, { recursive: true, force: true })
  }
}

process.exitCode = await main(process.argv.slice(2))
