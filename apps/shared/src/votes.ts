// The data contract between the three services: the two choices, how the vote service puts a
// vote on the Redis stream and how the worker reads it back, and which voter ids are stored.
// Pure: vote writes with `encodeVote`, worker reads with `decodeVote`, so the two cannot drift.

/** The two options as the page posts them, the stream carries them, PostgreSQL and the tally store them. */
export const CHOICES = ['a', 'b'] as const
export type Choice = (typeof CHOICES)[number]

export function isChoice(value: unknown): value is Choice {
  return (CHOICES as readonly unknown[]).includes(value)
}

/** The stream's name when `VOTE_STREAM` is not set (vote and worker must agree on it). */
export const DEFAULT_VOTE_STREAM = 'votes'

/** Field names of a stream entry: `XADD <stream> * voter <id> vote <choice>`. */
export const STREAM_FIELDS = { voter: 'voter', vote: 'vote' } as const

/** The longest voter id the worker stores; vote issues only ids within it (UUIDs, 36 characters). */
export const VOTER_ID_MAX_LENGTH = 64

export function isStorableVoterId(id: string | undefined): id is string {
  return !!id && id.length <= VOTER_ID_MAX_LENGTH
}

export interface StreamVote {
  voter: string
  vote: Choice
}

/** The field/value pairs of one vote, as XADD takes them after the entry id. */
export function encodeVote({ voter, vote }: StreamVote): [string, string, string, string] {
  return [STREAM_FIELDS.voter, voter, STREAM_FIELDS.vote, vote]
}

/**
 * The vote in an entry's fields (`[field, value, field, value, ...]` as ioredis returns them; null
 * when the entry was deleted), or undefined when they hold no valid vote. A repeated field: the last wins.
 */
export function decodeVote(fields: readonly string[] | null): StreamVote | undefined {
  const map = new Map<string, string>()
  for (let i = 0; fields && i + 1 < fields.length; i += 2) map.set(fields[i] ?? '', fields[i + 1] ?? '')
  const voter = map.get(STREAM_FIELDS.voter)
  const vote = map.get(STREAM_FIELDS.vote)
  return isStorableVoterId(voter) && isChoice(vote) ? { voter, vote } : undefined
}
