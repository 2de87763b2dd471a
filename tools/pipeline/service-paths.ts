// What goes into a service's image, from the one place that says so: the `paths` its caller
// workflow (.github/workflows/<service>.yml) passes to the reusable pipeline. The local
// pipeline's candidate step gives acr-push the same list as the workflow's candidate job.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseWorkflow, type Workflow } from '../src/workflows/load'

/** The `paths` input of the caller's pipeline job, one pathspec per line. Pure. */
export function pathsInCaller(caller: Workflow): string[] {
  const call = Object.values(caller.jobs).find((job) => job.uses === './.github/workflows/pipeline.yml')
  const paths = String(call?.with?.paths ?? '')
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
  if (paths.length === 0) throw new Error(`${caller.path} passes no paths to the pipeline (its job that uses ./.github/workflows/pipeline.yml needs with: paths)`)
  return paths
}

export function servicePaths(repoRoot: string, service: string): string[] {
  const file = join('.github', 'workflows', `${service}.yml`)
  return pathsInCaller(parseWorkflow(file, readFileSync(join(repoRoot, file), 'utf8')))
}
