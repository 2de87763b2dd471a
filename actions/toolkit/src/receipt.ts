// The deployment receipt (README "One deployment receipt"): what one deploy did, as bump-manifest
// writes it to its `receipt` output (JSON) and its job summary, and as the local pipeline reads it
// back. The shape lives here once; parseReceipt checks that a JSON text has it, so a reader never
// trusts a bare cast. Pure.
import { errorMessage } from './errors'

/** Argo CD's word as the receipt records it. */
export interface ReceiptSync {
  /** success, failure, error, timeout, unknown (the statuses could not be read), skipped (nothing landed), or not waited. */
  status: string
  /** Seconds waited. */
  seconds?: number
  /** The Argo CD Application waited for. */
  application?: string
  /** The manifest commit waited for. */
  revision?: string
  /** The revision Argo CD reported on: the commit, or a newer one that includes it; absent when none answered. */
  syncedRevision?: string
  /** The link of the deciding (or, on timeout, the last) status: the Application in Argo CD. */
  url?: string
  /** What was seen: the status's words, the last one seen, the read that failed, or why there was no wait. */
  detail?: string
}

/** What this deploy did to the service's hold. */
export const RECEIPT_HOLD_CHANGES = ['set by this deploy', 'released by this deploy', 'kept', 'none'] as const
export type ReceiptHoldChange = (typeof RECEIPT_HOLD_CHANGES)[number]

export interface ReceiptHold {
  state: 'held' | 'not held'
  change: ReceiptHoldChange
  image?: string
  by?: string
  run?: string
  at?: string
}

export interface ReceiptStage {
  name: string
  seconds: number
}

export interface Receipt {
  service: string
  environment: string
  /** repository[:tag] */
  image: string
  digest: string
  platforms: string[]
  attestations: string
  /** The manifest commit landed, empty when none. */
  commit: string
  commitUrl: string
  pullRequest: string
  /** What the files pinned before. */
  previousImage: string[]
  order: string
  /** What the step decided and why (bump-manifest's ordering.ts). */
  decision: string
  /** What the new image was compared with: the files as checked out, or an open pull request's branch. */
  comparedWith: string
  /** older, unknown-order or held when nothing was committed for that reason. */
  refused: string
  hold: ReceiptHold
  sync: ReceiptSync
  /** Seconds per stage, earlier stages (stage-seconds) first, then bump-manifest's own. */
  stages: ReceiptStage[]
}

/** A text that is not a receipt: says which field is wrong and what was expected. */
export class ReceiptError extends Error {
  override name = 'ReceiptError'
}

// A parser returns the value typed, or throws naming the field (`hold.state`, `stages[1].seconds`).
type Parser<T> = (value: unknown, path: string) => T
type Shape<T> = { [K in keyof T]-?: Parser<T[K]> }

const shown = (value: unknown): string => (value === undefined ? 'missing' : JSON.stringify(value))
const wrong = (path: string, value: unknown, expected: string): never => {
  throw new ReceiptError(`${path || 'it'} is ${shown(value)} (expected ${expected})`)
}
const string: Parser<string> = (v, path) => (typeof v === 'string' ? v : wrong(path, v, 'a string'))
const number: Parser<number> = (v, path) => (typeof v === 'number' && Number.isFinite(v) ? v : wrong(path, v, 'a number'))
const optional = <T>(parse: Parser<T>): Parser<T | undefined> => (v, path) => (v === undefined ? undefined : parse(v, path))
const oneOf = <T extends string>(values: readonly T[]): Parser<T> => (v, path) => ((values as readonly unknown[]).includes(v) ? (v as T) : wrong(path, v, `one of ${values.join(', ')}`))
const list = <T>(parse: Parser<T>): Parser<T[]> => (v, path) => (Array.isArray(v) ? v.map((item, i) => parse(item, `${path}[${i}]`)) : wrong(path, v, 'a list'))

/** An object with exactly the fields of T checked; other fields are dropped, absent optional ones left out. */
function object<T>(shape: Shape<T>): Parser<T> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return wrong(path, v, 'an object')
    const out: Record<string, unknown> = {}
    for (const [key, parse] of Object.entries(shape) as [string, Parser<unknown>][]) {
      const value = parse((v as Record<string, unknown>)[key], path ? `${path}.${key}` : key)
      if (value !== undefined) out[key] = value
    }
    return out as T
  }
}

const parseSync = object<ReceiptSync>({
  status: string,
  seconds: optional(number),
  application: optional(string),
  revision: optional(string),
  syncedRevision: optional(string),
  url: optional(string),
  detail: optional(string),
})

const parseHold = object<ReceiptHold>({
  state: oneOf(['held', 'not held'] as const),
  change: oneOf(RECEIPT_HOLD_CHANGES),
  image: optional(string),
  by: optional(string),
  run: optional(string),
  at: optional(string),
})

const parseShape = object<Receipt>({
  service: string,
  environment: string,
  image: string,
  digest: string,
  platforms: list(string),
  attestations: string,
  commit: string,
  commitUrl: string,
  pullRequest: string,
  previousImage: list(string),
  order: string,
  decision: string,
  comparedWith: string,
  refused: string,
  hold: parseHold,
  sync: parseSync,
  stages: list(object<ReceiptStage>({ name: string, seconds: number })),
})

/** bump-manifest's `receipt` output read back, every field checked; a ReceiptError names the first that is wrong. */
export function parseReceipt(text: string): Receipt {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new ReceiptError(`not a deployment receipt: not JSON (${errorMessage(error)})`)
  }
  try {
    return parseShape(value, '')
  } catch (error) {
    throw error instanceof ReceiptError ? new ReceiptError(`not a deployment receipt: ${error.message}`) : error
  }
}
