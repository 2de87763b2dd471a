// Which workflows an event starts, following GitHub's documented rules for `on.push` and
// `on.pull_request` filters, so tests can route a set of changed files the way GitHub does.
import { matchesFilters } from './filter-pattern'
import type { Workflow } from './load'

export type RepoEvent =
  | { name: 'push'; ref: string; files: readonly string[] }
  | { name: 'pull_request'; base: string; files: readonly string[] }

type Filters = Record<string, unknown>

function list(filters: Filters, key: string): string[] | undefined {
  const value = filters[key]
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') return [value]
  if (Array.isArray(value)) return value.map(String)
  throw new Error(`on.*.${key} must be a string or a list`)
}

/** The event's filter map; `undefined` when the workflow does not listen to the event at all. */
function eventFilters(workflow: Workflow, event: string): Filters | undefined {
  const on = workflow.on
  if (typeof on === 'string') return on === event ? {} : undefined
  if (Array.isArray(on)) return on.includes(event) ? {} : undefined
  if (on && typeof on === 'object' && event in on) {
    const filters = (on as Record<string, unknown>)[event]
    return filters && typeof filters === 'object' ? (filters as Filters) : {}
  }
  return undefined
}

function refSelected(filters: Filters, include: string, ignore: string, name: string): boolean {
  const inc = list(filters, include)
  const exc = list(filters, ignore)
  if (inc && exc) throw new Error(`on: cannot use both ${include} and ${ignore} for one event`)
  if (inc) return matchesFilters(inc, name)
  if (exc) return !matchesFilters(exc, name)
  return true
}

function pathsSelected(filters: Filters, files: readonly string[]): boolean {
  const inc = list(filters, 'paths')
  const exc = list(filters, 'paths-ignore')
  if (inc && exc) throw new Error('on: cannot use both paths and paths-ignore for one event')
  // "If at least one path matches a pattern in the paths filter, the workflow runs."
  if (inc) return files.some((file) => matchesFilters(inc, file))
  // "...runs unless every path matches a pattern in paths-ignore."
  if (exc) return files.some((file) => !matchesFilters(exc, file))
  return true
}

/** Whether `workflow` runs for `event`. */
export function triggers(workflow: Workflow, event: RepoEvent): boolean {
  const filters = eventFilters(workflow, event.name)
  if (!filters) return false
  if (event.name === 'pull_request') {
    return refSelected(filters, 'branches', 'branches-ignore', event.base) && pathsSelected(filters, event.files)
  }
  const hasBranchFilter = 'branches' in filters || 'branches-ignore' in filters
  const hasTagFilter = 'tags' in filters || 'tags-ignore' in filters
  if (event.ref.startsWith('refs/tags/')) {
    // Only tags/-ignore defined, or only branches: the undefined kind of ref does not run.
    if (hasBranchFilter && !hasTagFilter) return false
    // Path filters are not evaluated for pushes of tags.
    return refSelected(filters, 'tags', 'tags-ignore', event.ref.slice('refs/tags/'.length))
  }
  if (!event.ref.startsWith('refs/heads/')) throw new Error(`unexpected ref ${event.ref}`)
  if (hasTagFilter && !hasBranchFilter) return false
  return (
    refSelected(filters, 'branches', 'branches-ignore', event.ref.slice('refs/heads/'.length)) &&
    pathsSelected(filters, event.files)
  )
}

/** The names (file base names without .yml) of the workflows that `event` starts. */
export function triggeredWorkflows(workflows: readonly Workflow[], event: RepoEvent): string[] {
  return workflows
    .filter((workflow) => triggers(workflow, event))
    .map((workflow) => workflow.id)
    .sort()
}
