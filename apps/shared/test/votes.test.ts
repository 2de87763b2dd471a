import { describe, expect, it } from 'vitest'
import { CHOICES, decodeVote, DEFAULT_VOTE_STREAM, encodeVote, isChoice, isStorableVoterId, STREAM_FIELDS, VOTER_ID_MAX_LENGTH } from '../src'

describe('the vote data contract', () => {
  it('has two choices, a and b, and nothing else is one', () => {
    expect(CHOICES).toEqual(['a', 'b'])
    expect(isChoice('a')).toBe(true)
    expect(isChoice('b')).toBe(true)
    for (const other of ['c', 'A', '', ' a', undefined, null, 1]) expect(isChoice(other)).toBe(false)
  })

  it('names the stream votes and its fields voter and vote', () => {
    expect(DEFAULT_VOTE_STREAM).toBe('votes')
    expect(STREAM_FIELDS).toEqual({ voter: 'voter', vote: 'vote' })
  })

  it('stores voter ids of 1 to 64 characters', () => {
    expect(VOTER_ID_MAX_LENGTH).toBe(64)
    expect(isStorableVoterId('x')).toBe(true)
    expect(isStorableVoterId('x'.repeat(64))).toBe(true)
    expect(isStorableVoterId('x'.repeat(65))).toBe(false)
    expect(isStorableVoterId('')).toBe(false)
    expect(isStorableVoterId(undefined)).toBe(false)
  })

  it('encodes a vote as XADD field/value pairs and decodes it back', () => {
    const fields = encodeVote({ voter: 'v-1', vote: 'b' })
    expect(fields).toEqual(['voter', 'v-1', 'vote', 'b'])
    expect(decodeVote(fields)).toEqual({ voter: 'v-1', vote: 'b' })
  })

  it('decodes fields in any order, the last of a repeated field winning, extra fields ignored', () => {
    expect(decodeVote(['vote', 'a', 'voter', 'v', 'extra', 'x'])).toEqual({ voter: 'v', vote: 'a' })
    expect(decodeVote(['voter', 'v', 'vote', 'a', 'vote', 'b'])).toEqual({ voter: 'v', vote: 'b' })
  })

  it('decodes nothing from a deleted or malformed entry', () => {
    expect(decodeVote(null)).toBeUndefined()
    expect(decodeVote([])).toBeUndefined()
    expect(decodeVote(['voter', 'v'])).toBeUndefined()
    expect(decodeVote(['voter', 'v', 'vote', 'c'])).toBeUndefined()
    expect(decodeVote(['voter', '', 'vote', 'a'])).toBeUndefined()
    expect(decodeVote(['voter', 'x'.repeat(65), 'vote', 'a'])).toBeUndefined()
    expect(decodeVote(['voter', 'v', 'vote'])).toBeUndefined()
  })
})
