// Holds: a redeploy or rollback to an older image marks the service in that environment as held,
// and pipeline bumps skip it (ordering.ts decides when). The mark lives next to the pin, in Git,
// as an annotation of the object that pins the image (the environment's Kustomization):
//
//   metadata:
//     annotations:
//       hold.aks-gitops.io/vote: '{"image":"myacr.azurecr.io/vote:1.4.1@sha256:…","by":"octocat","run":"https://…/actions/runs/1","at":"2026-11-30T05:00:00Z"}'
//
// kustomize accepts metadata on a Kustomization and does not copy it onto the resources it renders,
// so the hold changes nothing in the cluster; Argo CD users see it in the file and its history.
// Pure: text in, text out, edited in place like every other edit (yaml-text.ts).
import { isMap, isScalar, parseAllDocuments, type Pair, type Scalar, type YAMLMap } from 'yaml'
import { applyEdits, keyStart, lineEnding, pairOf, renderScalar, replaceScalar, valueEnd, type TextEdit } from './yaml-text'

export const HOLD_PREFIX = 'hold.aks-gitops.io/'

export interface Hold {
  service: string
  /** The image the service is held at. */
  image: string
  /** GITHUB_ACTOR of the run that set it. */
  by?: string
  /** That run's URL. */
  run?: string
  /** When (ISO 8601). */
  at?: string
}

export class HoldError extends Error {
  override name = 'HoldError'
}

export const holdKey = (service: string): string => `${HOLD_PREFIX}${service}`

function documentRoot(path: string, text: string, index: number): YAMLMap {
  const doc = parseAllDocuments(text, { uniqueKeys: false })
  const root = (Array.isArray(doc) ? doc[index] : undefined)?.contents
  if (!isMap(root) || root.flow || !pairOf(root, 'kind')) {
    throw new HoldError(`${path}: a hold is kept in the metadata.annotations of a Kubernetes object or Kustomization, and document ${index + 1} is not one written as a block map`)
  }
  return root
}

function blockMap(pair: Pair | undefined, what: string): YAMLMap | undefined {
  if (!pair) return undefined
  if (!isMap(pair.value) || pair.value.flow) throw new HoldError(`${what} must be a block map to hold a hold annotation`)
  return pair.value
}

/** The hold on `service` in the given documents of a file, if any. */
export function readHold(path: string, text: string, documents: readonly number[], service: string): Hold | undefined {
  for (const index of new Set(documents)) {
    let root: YAMLMap
    try {
      root = documentRoot(path, text, index)
    } catch {
      continue
    }
    const metadata = pairOf(root, 'metadata')?.value
    if (!isMap(metadata)) continue
    const annotations = pairOf(metadata, 'annotations')?.value
    const pair = isMap(annotations) ? pairOf(annotations, holdKey(service)) : undefined
    if (!pair || !isScalar(pair.value)) continue
    return parseHoldValue(service, String((pair.value as Scalar).value))
  }
  return undefined
}

/** The annotation's value: JSON, or (written by hand) just the image. */
export function parseHoldValue(service: string, value: string): Hold {
  try {
    const parsed = JSON.parse(value) as Partial<Hold>
    if (parsed && typeof parsed.image === 'string') {
      const hold: Hold = { service, image: parsed.image }
      for (const key of ['by', 'run', 'at'] as const) if (typeof parsed[key] === 'string') hold[key] = parsed[key]
      return hold
    }
  } catch {
    // Not JSON: a person wrote the image alone.
  }
  return { service, image: value.trim() }
}

export function holdValue(hold: Hold): string {
  const { image, by, run, at } = hold
  return JSON.stringify({ image, ...(by ? { by } : {}), ...(run ? { run } : {}), ...(at ? { at } : {}) })
}

function column(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1)
}

/** Offset just after the line holding `offset - 1` (the end of a node's last line, line break included). */
function afterLine(text: string, offset: number): number {
  let end = offset
  while (end > 0 && /[\s]/.test(text[end - 1] as string)) end--
  const lf = text.indexOf('\n', end)
  return lf < 0 ? text.length : lf + 1
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1
}

/** Lines inserted after a pair's last line, indented at `indent`. */
function insertAfter(text: string, pair: Pair, lines: string[], indent: number): TextEdit {
  const at = afterLine(text, valueEnd(pair))
  const eol = lineEnding(text)
  const body = lines.map((line) => `${' '.repeat(indent)}${line}${eol}`).join('')
  // A file that does not end with a line break gets one before the new lines.
  return at === text.length && !text.endsWith('\n') ? { start: at, end: at, text: `${eol}${body.slice(0, -eol.length)}` } : { start: at, end: at, text: body }
}

/** A pair's lines, key to last value line, removed. */
function removePair(text: string, pair: Pair): TextEdit {
  return { start: lineStart(text, keyStart(pair)), end: afterLine(text, valueEnd(pair)), text: '' }
}

function setEdit(path: string, text: string, index: number, hold: Hold): TextEdit {
  const root = documentRoot(path, text, index)
  const key = holdKey(hold.service)
  const value = renderScalar(holdValue(hold), 'QUOTE_SINGLE', false)
  const rootIndent = column(text, keyStart(root.items[0] as Pair))
  const metadataPair = pairOf(root, 'metadata')
  const metadata = blockMap(metadataPair, `${path}: metadata`)
  if (!metadata || !metadataPair) {
    const kind = pairOf(root, 'kind') as Pair
    return insertAfter(text, kind, ['metadata:', '  annotations:', `    ${key}: ${value}`], rootIndent)
  }
  const metaIndent = column(text, keyStart(metadata.items[0] as Pair))
  const annotationsPair = pairOf(metadata, 'annotations')
  const annotations = blockMap(annotationsPair, `${path}: metadata.annotations`)
  if (!annotations || annotations.items.length === 0) {
    if (annotationsPair) throw new HoldError(`${path}: metadata.annotations is empty; remove it or give it one entry`)
    return insertAfter(text, metadata.items[metadata.items.length - 1] as Pair, ['annotations:', `  ${key}: ${value}`], metaIndent)
  }
  const existing = pairOf(annotations, key)
  if (existing) return replaceScalar(existing.value, holdValue(hold), false, `${path}: metadata.annotations.${key}`)
  const indent = column(text, keyStart(annotations.items[0] as Pair))
  return insertAfter(text, annotations.items[annotations.items.length - 1] as Pair, [`${key}: ${value}`], indent)
}

function clearEdit(path: string, text: string, index: number, service: string): TextEdit | undefined {
  const root = documentRoot(path, text, index)
  const metadataPair = pairOf(root, 'metadata')
  const metadata = blockMap(metadataPair, `${path}: metadata`)
  const annotationsPair = metadata ? pairOf(metadata, 'annotations') : undefined
  const annotations = blockMap(annotationsPair, `${path}: metadata.annotations`)
  const pair = annotations ? pairOf(annotations, holdKey(service)) : undefined
  if (!pair || !annotations || !metadata || !annotationsPair || !metadataPair) return undefined
  // The last annotation takes its map with it, and an emptied metadata goes too.
  if (annotations.items.length > 1) return removePair(text, pair)
  if (metadata.items.length > 1) return removePair(text, annotationsPair)
  return removePair(text, metadataPair)
}

/** The text with the hold set (or moved) in each of the documents. */
export function setHold(path: string, text: string, documents: readonly number[], hold: Hold): string {
  let result = text
  // One document at a time, re-parsed: each edit shifts the offsets after it.
  for (const index of [...new Set(documents)].sort((a, b) => b - a)) result = applyEdits(result, [setEdit(path, result, index, hold)])
  return verified(path, result, documents, hold.service, hold)
}

/** The text with the service's hold removed from each of the documents (unchanged when there is none). */
export function clearHold(path: string, text: string, documents: readonly number[], service: string): string {
  let result = text
  for (const index of [...new Set(documents)].sort((a, b) => b - a)) {
    const edit = clearEdit(path, result, index, service)
    if (edit) result = applyEdits(result, [edit])
  }
  return verified(path, result, documents, service, undefined)
}

// The edited text must parse and read back as the hold intended, or nothing is written.
function verified(path: string, text: string, documents: readonly number[], service: string, expected: Hold | undefined): string {
  const docs = parseAllDocuments(text, { uniqueKeys: false })
  const error = (Array.isArray(docs) ? docs : []).flatMap((d) => d.errors)[0]
  if (error) throw new HoldError(`${path}: internal error, the hold edit would not parse: ${error.message.split('\n')[0]}`)
  const read = readHold(path, text, documents, service)
  const same = read && expected ? read.service === expected.service && holdValue(read) === holdValue(expected) : read === expected
  if (!same) throw new HoldError(`${path}: internal error, the hold edit could not be verified`)
  return text
}
