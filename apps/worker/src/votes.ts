// Pure functions from Redis stream entries to the rows the worker stores.
import { decodeVote, type StreamVote } from '@aks-gitops/app-shared'

/** One entry as ioredis returns it: [id, [field, value, field, value, ...]], or null fields if deleted. */
export type StreamEntry = [id: string, fields: string[] | null]

export interface Vote extends StreamVote {
  /** The stream id split in two: later entries win, whatever order they are stored in. */
  versionMs: bigint
  versionSeq: bigint
}

export interface ParsedBatch {
  votes: Vote[]
  /** Ids of entries that are not votes (deleted or malformed): acknowledged and dropped. */
  invalid: string[]
  ids: string[]
}

export function parseStreamId(id: string): { ms: bigint; seq: bigint } | undefined {
  const m = /^(\d+)-(\d+)$/.exec(id)
  return m ? { ms: BigInt(m[1] ?? '0'), seq: BigInt(m[2] ?? '0') } : undefined
}

export function parseEntries(entries: StreamEntry[]): ParsedBatch {
  const batch: ParsedBatch = { votes: [], invalid: [], ids: [] }
  for (const [id, fields] of entries) {
    batch.ids.push(id)
    const version = parseStreamId(id)
    const vote = decodeVote(fields)
    if (!version || !vote) {
      batch.invalid.push(id)
      continue
    }
    batch.votes.push({ ...vote, versionMs: version.ms, versionSeq: version.seq })
  }
  return batch
}

export function isNewer(a: Vote, b: Vote): boolean {
  return a.versionMs > b.versionMs || (a.versionMs === b.versionMs && a.versionSeq > b.versionSeq)
}

/** One vote per visitor, the latest: one INSERT ... ON CONFLICT cannot touch a row twice. */
export function latestPerVoter(votes: Vote[]): Vote[] {
  const latest = new Map<string, Vote>()
  for (const v of votes) {
    const seen = latest.get(v.voter)
    if (!seen || isNewer(v, seen)) latest.set(v.voter, v)
  }
  return [...latest.values()]
}
