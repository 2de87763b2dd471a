// Plans the edit of each file: parse every document, find the matches, check the result is not
// ambiguous, splice the new text in, and prove the result by parsing it again. Pure: no I/O, so a
// bad file stops the run before anything is written.
import { parseAllDocuments } from 'yaml'
import { errorMessage, familiarReference, parseRepository } from '@aks-gitops/toolkit'
import type { NewReference } from './reference'
import { containerChanges, kustomizeChanges, isKustomization, pathChanges, type Change, type PathSpec } from './targets'
import { applyEdits, YamlEditError } from './yaml-text'

export interface PlanRequest extends NewReference {
  /** Only containers with this name. */
  container?: string
  /** Generic mode: set these paths instead of finding containers or kustomize entries. */
  paths?: PathSpec[]
  /** A file with no match is skipped instead of failing the run. */
  allowNoMatch?: boolean
}

export interface FilePlan {
  path: string
  original: string
  updated: string
  changes: Change[]
}

/** A file that cannot be edited: does not parse, matches nothing, or matches ambiguously. */
export class ManifestError extends Error {
  override name = 'ManifestError'
}

function findChanges(path: string, text: string, request: PlanRequest): Change[] {
  const documents = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: false })
  const docs = Array.isArray(documents) ? documents : []
  const changes: Change[] = []
  docs.forEach((doc, index) => {
    const error = doc.errors[0]
    if (error) throw new ManifestError(`${path}: the YAML does not parse (document ${index + 1}): ${error.message.split('\n')[0]}`)
    const root = doc.contents
    try {
      if (request.paths) changes.push(...pathChanges(root, index, request, request.paths))
      else if (isKustomization(root, path)) changes.push(...kustomizeChanges(text, root, index, request))
      else changes.push(...containerChanges(doc, root, index, request, request.container))
    } catch (error) {
      if (error instanceof YamlEditError) throw new ManifestError(`${path}: ${error.message}`)
      throw error
    }
  })
  return changes
}

function checkAmbiguity(path: string, changes: readonly Change[], request: PlanRequest): void {
  const byDocument = new Map<number, Change[]>()
  for (const change of changes.filter((c) => c.kind === 'kustomize')) {
    byDocument.set(change.document, [...(byDocument.get(change.document) ?? []), change])
  }
  for (const entries of byDocument.values()) {
    if (entries.length > 1) {
      throw new ManifestError(
        `${path}: the image matches ${entries.length} images: entries (${entries.map((e) => e.target).join(', ')}); make the image input name exactly one`,
      )
    }
  }
  // One image at different references in one workload (say a main and a canary container) is a
  // question only the workflow author can answer: ask for `container` rather than guess.
  if (request.container !== undefined) return
  const byWorkload = new Map<string, Change[]>()
  for (const change of changes.filter((c) => c.kind === 'container')) {
    const workload = `${change.document} ${change.location.split(' ')[0]}`
    byWorkload.set(workload, [...(byWorkload.get(workload) ?? []), change])
  }
  for (const containers of byWorkload.values()) {
    const references = new Set(containers.map((c) => c.previous))
    if (references.size > 1) {
      throw new ManifestError(
        `${path}: the image is used at ${references.size} different references in one workload (${containers
          .map((c) => `${c.location}: ${c.previous}`)
          .join('; ')}); set the container input to choose one`,
      )
    }
  }
}

function describeWanted(request: PlanRequest): string {
  const image = familiarReference(request.image)
  if (request.paths) return `no path of ${request.paths.map((p) => p.text).join(', ')} holds a value for ${image}`
  const container = request.container ? ` in a container named "${request.container}"` : ''
  return `nothing references ${image}${container} (looked at containers and initContainers of workloads and kustomize images: entries)`
}

/** Plans one file. Throws ManifestError when it cannot be edited as asked. */
export function planFile(path: string, text: string, request: PlanRequest): FilePlan {
  const changes = findChanges(path, text, request)
  if (changes.length === 0) {
    if (request.allowNoMatch) return { path, original: text, updated: text, changes }
    throw new ManifestError(`${path}: ${describeWanted(request)}`)
  }
  checkAmbiguity(path, changes, request)
  const updated = applyEdits(
    text,
    changes.flatMap((c) => c.edits),
  )
  verify(path, updated, changes, request)
  return { path, original: text, updated, changes }
}

// The edited text must parse, and planning it again must find every target already at its new
// value: a splice that broke the YAML or hit the wrong bytes never reaches the disk.
function verify(path: string, updated: string, changes: readonly Change[], request: PlanRequest): void {
  // After a move to new-name the targets are found under their new repository.
  const moved = request.newName === undefined ? request : { ...request, image: parseRepository(request.newName) }
  let again: Change[]
  try {
    again = findChanges(path, updated, moved)
  } catch (error) {
    throw new ManifestError(`${path}: internal error, the edited file would not parse: ${errorMessage(error)}`)
  }
  const expected = changes.map((c) => `${c.document} ${c.location} ${c.updated}`)
  const found = again.map((c) => `${c.document} ${c.location} ${c.previous}`)
  if (again.some((c) => c.edits.length > 0) || expected.join('\n') !== found.join('\n')) {
    throw new ManifestError(`${path}: internal error, the edit could not be verified (expected ${expected.join(', ')}; found ${found.join(', ')})`)
  }
}

export interface PlanInput {
  path: string
  text: string
  /** Found by a glob: may match nothing, as long as some file matches. */
  glob?: boolean
}

/**
 * Plans every file; the first error stops the whole run (nothing is written before all succeed).
 * A file named literally must match; files found by a glob may not, but one of them must.
 */
export function planFiles(files: readonly PlanInput[], request: PlanRequest): FilePlan[] {
  const plans = files.map((file) => planFile(file.path, file.text, { ...request, allowNoMatch: request.allowNoMatch || file.glob }))
  if (!request.allowNoMatch && plans.every((plan) => plan.changes.length === 0)) {
    throw new ManifestError(`${files.length === 1 ? files[0]?.path : `none of ${files.map((f) => f.path).join(', ')}`}: ${describeWanted(request)}`)
  }
  return plans
}

export function changedPlans(plans: readonly FilePlan[]): FilePlan[] {
  return plans.filter((plan) => plan.updated !== plan.original)
}
