// Finds what to edit in one parsed YAML document: workload containers, kustomize `images:`
// entries, or values at explicit paths. Returns the changes with their text edits. Pure: no I/O.
import { isAlias, isMap, isScalar, isSeq, type Document, type YAMLMap } from 'yaml'
import { parseRepository, POD_CONTAINER_LISTS, podSpecPath, sameRepository } from '@aks-gitops/toolkit'
import { joinReference, referencesImage, updatedReference, type NewReference } from './reference'
import { deleteMapKey, replaceScalar, setMapValue, YamlEditError, type TextEdit } from './yaml-text'

export type ChangeKind = 'container' | 'kustomize' | 'path'

export interface Change {
  kind: ChangeKind
  /** Index of the document in the file (0-based). */
  document: number
  /** Where, for people: `Deployment/vote containers[vote]`, `images[vote]`, `image.tag`. */
  location: string
  /** Container name, kustomize entry name, or the YAML path. */
  target: string
  previous: string
  updated: string
  edits: TextEdit[]
}

/** A scalar's value as text; numbers keep their source spelling (`newTag: 1.10` is "1.10", not "1.1"). */
function scalarString(node: unknown): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined
  if (typeof node.value === 'string') return node.value
  return (node as { source?: string }).source ?? String(node.value)
}

function child(map: unknown, key: string): unknown {
  return isMap(map) ? map.get(key, true) : undefined
}

function isFlow(node: unknown): boolean {
  return Boolean((node as { flow?: boolean } | undefined)?.flow)
}

/** Containers of a workload object (or of every item of a `kind: List`). */
export function containerChanges(doc: Document, root: unknown, document: number, request: NewReference, container?: string): Change[] {
  if (!isMap(root)) return []
  const kind = scalarString(root.get('kind', true))
  if (kind === 'List') {
    const items = child(root, 'items')
    return isSeq(items) ? items.items.flatMap((item) => containerChanges(doc, item, document, request, container)) : []
  }
  const path = podSpecPath(kind)
  if (!path) return []
  let spec: unknown = root
  for (const key of path) spec = child(spec, key)
  const name = scalarString(child(child(root, 'metadata'), 'name')) ?? '(unnamed)'
  const changes: Change[] = []
  for (const list of POD_CONTAINER_LISTS) {
    const seq = child(spec, list)
    if (!isSeq(seq)) continue
    for (const item of seq.items) {
      const containerName = scalarString(child(item, 'name')) ?? '(unnamed)'
      const imageNode = child(item, 'image')
      // An alias is resolved to see whether it matches; replaceScalar then refuses to edit through it.
      const current = scalarString(isAlias(imageNode) ? imageNode.resolve(doc) : imageNode)
      if (current === undefined || !referencesImage(current, request.image)) continue
      if (container !== undefined && containerName !== container) continue
      const updated = updatedReference(current, request)
      const location = `${kind}/${name} ${list}[${containerName}]`
      changes.push({
        kind: 'container',
        document,
        location,
        target: containerName,
        previous: current,
        updated,
        edits: updated === current ? [] : [replaceScalar(imageNode, updated, isFlow(item), location)],
      })
    }
  }
  return changes
}

/** True when the document is a kustomization (by kind, or by file name with an `images:` list). */
export function isKustomization(root: unknown, fileName: string): boolean {
  if (!isMap(root)) return false
  const kind = scalarString(root.get('kind', true))
  if (kind === 'Kustomization' || kind === 'Component') return true
  return /(^|\/)kustomization\.ya?ml$|(^|\/)Kustomization$/.test(fileName) && kind === undefined
}

/** The image a kustomize entry produces: newName (or name), newTag, digest. */
function entryReference(entry: YAMLMap): string {
  const name = scalarString(entry.get('newName', true)) ?? scalarString(entry.get('name', true)) ?? ''
  return joinReference(name, scalarString(entry.get('newTag', true)), scalarString(entry.get('digest', true)))
}

/**
 * kustomization `images:` entries whose name or newName is the image. Sets newName/newTag/digest as
 * `kustomize edit set image` would, and removes a tag or digest the new reference does not have
 * (an old digest left beside a new tag would keep pinning the old image).
 */
export function kustomizeChanges(text: string, root: unknown, document: number, request: NewReference): Change[] {
  const images = child(root, 'images')
  if (!isSeq(images)) return []
  const changes: Change[] = []
  for (const entry of images.items) {
    if (!isMap(entry)) continue
    const name = scalarString(entry.get('name', true))
    const newName = scalarString(entry.get('newName', true))
    const matches = (name !== undefined && referencesImage(name, request.image)) || (newName !== undefined && referencesImage(newName, request.image))
    if (!matches) continue
    const location = `images[${name}]`
    const previous = entryReference(entry)
    const edits: TextEdit[] = []
    if (request.newName !== undefined && request.newName !== newName) edits.push(setMapValue(text, entry, 'newName', request.newName, location))
    for (const [key, value] of [['newTag', request.tag], ['digest', request.digest]] as const) {
      const current = scalarString(entry.get(key, true))
      if (value === undefined) {
        const removal = deleteMapKey(text, entry, key)
        if (removal) edits.push(removal)
      } else if (value !== current) {
        edits.push(setMapValue(text, entry, key, value, location))
      }
    }
    const updated = joinReference(request.newName ?? newName ?? name ?? '', request.tag, request.digest)
    changes.push({ kind: 'kustomize', document, location, target: name ?? '', previous, updated, edits })
  }
  return changes
}

/** Which part of the new reference a YAML path receives. */
export type PathField = 'reference' | 'repository' | 'tag' | 'digest'

export interface PathSpec {
  /** Keys and indexes: `image.tag`, `services[0].image`. */
  segments: (string | number)[]
  text: string
  field: PathField
}

/** Parses `image.tag` or `spec.values.images[1]=reference` into a PathSpec; throws on bad syntax. */
export function parsePathSpec(spec: string): PathSpec {
  const eq = spec.lastIndexOf('=')
  const pathText = (eq >= 0 ? spec.slice(0, eq) : spec).trim()
  const field = (eq >= 0 ? spec.slice(eq + 1).trim() : 'reference') as PathField
  if (!['reference', 'repository', 'tag', 'digest'].includes(field)) {
    throw new YamlEditError(`"${spec}": the part after = must be reference, repository, tag or digest`)
  }
  const segments: (string | number)[] = []
  const re = /([^.[\]]+)|\[([0-9]+)\]/gy
  for (const part of pathText.split('.')) {
    if (part === '') throw new YamlEditError(`"${pathText}" is not a path like image.tag or containers[0].image`)
    re.lastIndex = 0
    let match: RegExpExecArray | null
    let consumed = 0
    while ((match = re.exec(part)) !== null) {
      segments.push(match[1] !== undefined ? match[1] : Number(match[2]))
      consumed = re.lastIndex
    }
    if (consumed !== part.length) throw new YamlEditError(`"${pathText}" is not a path like image.tag or containers[0].image`)
  }
  return { segments, text: pathText, field }
}

/** The value a path receives and whether its current value belongs to the image. */
function pathValue(field: PathField, current: string, request: NewReference): { matches: boolean; value: string } {
  switch (field) {
    case 'reference':
      return { matches: referencesImage(current, request.image), value: updatedReference(current, request) }
    case 'repository': {
      let matches = false
      try {
        matches = sameRepository(parseRepository(current), request.image)
      } catch {
        matches = false
      }
      return { matches, value: request.newName ?? current }
    }
    case 'tag':
      return { matches: true, value: request.tag ?? current }
    case 'digest':
      return { matches: true, value: request.digest ?? current }
  }
}

/** Values at explicit paths (Helm values and other YAML). A missing path is no match. */
export function pathChanges(root: unknown, document: number, request: NewReference, specs: readonly PathSpec[]): Change[] {
  const changes: Change[] = []
  for (const spec of specs) {
    let parent: unknown
    let node: unknown = root
    for (const segment of spec.segments) {
      parent = node
      if (typeof segment === 'number') node = isSeq(node) ? node.items[segment] : undefined
      else node = isMap(node) ? node.get(segment, true) : undefined
      if (node === undefined) break
    }
    if (node === undefined || node === null) continue
    const current = scalarString(node)
    if (current === undefined && !isScalar(node)) {
      throw new YamlEditError(`${spec.text} is a ${isMap(node) ? 'map' : isSeq(node) ? 'list' : 'alias or other node'}, not a single value`)
    }
    const { matches, value } = pathValue(spec.field, current ?? '', request)
    if (!matches) continue
    const edits = value === current ? [] : [replaceScalar(node, value, isFlow(parent), spec.text)]
    changes.push({ kind: 'path', document, location: spec.text, target: spec.text, previous: current ?? '', updated: value, edits })
  }
  return changes
}
