// Text edits by source position. The YAML tree only tells us WHERE a value sits; the new text is
// spliced into the original bytes, so comments, quoting, key order, anchors, flow style, document
// separators and CRLF line endings outside the edited scalar stay exactly as they were.
// Re-stringifying the document would reformat it. Pure: no I/O.
import { isAlias, isScalar, parseDocument, type Pair, type Scalar, type YAMLMap } from 'yaml'

export interface TextEdit {
  start: number
  end: number
  text: string
}

export class YamlEditError extends Error {
  override name = 'YamlEditError'
}

/** The file's line ending: CRLF when its first line break is CRLF. */
export function lineEnding(text: string): '\r\n' | '\n' {
  const lf = text.indexOf('\n')
  return lf > 0 && text[lf - 1] === '\r' ? '\r\n' : '\n'
}

// A plain scalar is safe when YAML reads it back as the same string (not a number, bool, null,
// or something cut short by `: `, ` #`, or a flow indicator inside a flow collection).
function plainIsSafe(value: string, inFlow: boolean): boolean {
  if (value === '' || /^\s|\s$|[\r\n]/.test(value)) return false
  const source = inFlow ? `[${value}]` : `k: ${value}`
  const doc = parseDocument(source)
  if (doc.errors.length > 0) return false
  const parsed: unknown = doc.toJS()
  const read = inFlow ? (parsed as unknown[])[0] : (parsed as Record<string, unknown>).k
  return read === value && (!inFlow || (parsed as unknown[]).length === 1)
}

function doubleQuoted(value: string): string {
  // JSON string escapes are a subset of YAML double-quoted escapes.
  return JSON.stringify(value)
}

/** Text for `value` in the style of the scalar it replaces (plain stays plain when that is safe). */
export function renderScalar(value: string, style: Scalar['type'] | undefined, inFlow: boolean): string {
  switch (style) {
    case 'QUOTE_SINGLE':
      return `'${value.replace(/'/g, "''")}'`
    case 'QUOTE_DOUBLE':
      return doubleQuoted(value)
    default:
      return plainIsSafe(value, inFlow) ? value : doubleQuoted(value)
  }
}

function scalarOf(node: unknown, what: string): Scalar {
  if (isAlias(node)) {
    throw new YamlEditError(`${what} is an alias (*${node.source}); edit the anchored value instead`)
  }
  if (!isScalar(node) || !node.range) throw new YamlEditError(`${what} is not a scalar value`)
  if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
    throw new YamlEditError(`${what} is a block scalar (| or >); write it as a single-line value`)
  }
  return node
}

/** Replaces the scalar's text (quotes included), keeping its style. */
export function replaceScalar(node: unknown, value: string, inFlow: boolean, what: string): TextEdit {
  const scalar = scalarOf(node, what)
  const [start, end] = scalar.range as [number, number, number]
  // An empty value (`newTag:`) sits right after the colon: keep a space between them.
  const text = renderScalar(value, scalar.type, inFlow)
  return { start, end, text: start === end ? ` ${text}` : text }
}

/** The pair of a map whose scalar key is `key`. */
export function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => isScalar(pair.key) && pair.key.value === key)
}

/** Where a pair's key starts. */
export function keyStart(pair: Pair): number {
  return (pair.key as Scalar).range?.[0] ?? 0
}

/** Where a pair's value (or, without one, its key) ends. */
export function valueEnd(pair: Pair): number {
  const node = (pair.value ?? pair.key) as Scalar
  return node.range?.[1] ?? 0
}

function endOfLine(text: string, index: number): number {
  const lf = text.indexOf('\n', index)
  if (lf < 0) return text.length
  return lf > 0 && text[lf - 1] === '\r' ? lf - 1 : lf
}

/** Sets `key` in a map: replaces its scalar when present, otherwise inserts a new pair after the last one. */
export function setMapValue(text: string, map: YAMLMap, key: string, value: string, what: string): TextEdit {
  const existing = pairOf(map, key)
  if (existing) return replaceScalar(existing.value, value, Boolean(map.flow), `${what}.${key}`)
  const last = map.items[map.items.length - 1]
  if (!last) throw new YamlEditError(`${what} is an empty map`)
  const rendered = `${key}: ${renderScalar(value, undefined, Boolean(map.flow))}`
  if (map.flow) return { start: valueEnd(last), end: valueEnd(last), text: `, ${rendered}` }
  // Block map: a new line at the column of the map's keys, after the last pair's line.
  const first = keyStart(map.items[0] as Pair)
  const column = first - (text.lastIndexOf('\n', first - 1) + 1)
  const at = endOfLine(text, valueEnd(last))
  return { start: at, end: at, text: `${lineEnding(text)}${' '.repeat(column)}${rendered}` }
}

/** Removes `key` from a map, or returns undefined when it is absent. */
export function deleteMapKey(text: string, map: YAMLMap, key: string): TextEdit | undefined {
  const index = map.items.findIndex((pair) => isScalar(pair.key) && pair.key.value === key)
  if (index < 0) return undefined
  const pair = map.items[index] as Pair
  const next = map.items[index + 1]
  // Not the last pair: drop from this key to the next key, which then takes this key's place.
  if (next) return { start: keyStart(pair), end: keyStart(next), text: '' }
  const previous = map.items[index - 1]
  if (!previous) throw new YamlEditError(`cannot remove "${key}", the only key of its map`)
  if (map.flow) return { start: valueEnd(previous), end: valueEnd(pair), text: '' }
  // Last pair of a block map: drop its whole line, keeping the previous line's own comment.
  return { start: endOfLine(text, valueEnd(previous)), end: endOfLine(text, valueEnd(pair)), text: '' }
}

/** Applies non-overlapping edits to the text. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end)
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as TextEdit).start < (sorted[i - 1] as TextEdit).end) throw new YamlEditError('internal error: overlapping edits')
  }
  let result = text
  for (const edit of sorted.reverse()) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end)
  return result
}
