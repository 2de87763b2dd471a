// What goes into a service's image and how it is built, from the one place that says so: the
// `paths`, `dockerfile` and `build-args` its caller workflow (.github/workflows/<service>.yml)
// passes to the reusable pipeline. The local pipeline builds with the same Dockerfile and
// arguments, and its candidate step gives acr-push the same paths as the workflow's candidate job.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { errorMessage, parseKeyValueLines } from '@aks-gitops/toolkit'
import { parseWorkflow, type Job, type Workflow } from '../src/workflows/load'

/** The caller's job that runs the reusable pipeline (`uses: ./.github/workflows/pipeline.yml`). */
function pipelineCall(caller: Workflow): Job | undefined {
  return Object.values(caller.jobs).find((job) => job.uses === './.github/workflows/pipeline.yml')
}

/** The `paths` input of the caller's pipeline job, one pathspec per line. Pure. */
export function pathsInCaller(caller: Workflow): string[] {
  const call = pipelineCall(caller)
  const paths = String(call?.with?.paths ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  if (paths.length === 0) throw new Error(`${caller.path} passes no paths to the pipeline (its job that uses ./.github/workflows/pipeline.yml needs with: paths)`)
  return paths
}

export interface ServiceBuild {
  /** The Dockerfile, relative to the repository root. */
  dockerfile: string
  /** Build arguments, NAME -> value, as the caller's `build-args` gives them one per line. */
  buildArgs: Record<string, string>
}

/**
 * The `dockerfile` and `build-args` the caller passes, the latter read as buildx-multiarch reads its
 * build-args input (the toolkit's parseKeyValueLines). The caller must name the Dockerfile: the
 * pipeline's default (apps/<service>/Dockerfile) is for other repositories' layouts, and this one
 * builds every service from apps/Dockerfile. Pure.
 */
export function buildInCaller(caller: Workflow): ServiceBuild {
  const call = pipelineCall(caller)
  const dockerfile = String(call?.with?.dockerfile ?? '').trim()
  if (!dockerfile) throw new Error(`${caller.path} passes no dockerfile to the pipeline (its job that uses ./.github/workflows/pipeline.yml needs with: dockerfile, e.g. apps/Dockerfile)`)
  let pairs: Array<[string, string]>
  try {
    pairs = parseKeyValueLines(String(call?.with?.['build-args'] ?? ''), 'a build argument')
  } catch (error) {
    throw new Error(`${caller.path}: build-args ${errorMessage(error)}`)
  }
  return { dockerfile, buildArgs: Object.fromEntries(pairs) }
}

function callerOf(repoRoot: string, service: string): Workflow {
  const file = join('.github', 'workflows', `${service}.yml`)
  return parseWorkflow(file, readFileSync(join(repoRoot, file), 'utf8'))
}

export function servicePaths(repoRoot: string, service: string): string[] {
  return pathsInCaller(callerOf(repoRoot, service))
}

/** How the service's caller workflow has the pipeline build its image. */
export function serviceBuild(repoRoot: string, service: string): ServiceBuild {
  return buildInCaller(callerOf(repoRoot, service))
}
