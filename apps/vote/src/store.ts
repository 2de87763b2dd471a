// What the vote service stores in Redis: the vote goes onto the stream the worker consumes, and
// the visitor's latest choice into a hash the page reads back. Both in one MULTI so that they agree.
import type { Redis } from 'ioredis'
import { encodeVote, isChoice, type Choice } from '@aks-gitops/app-shared'

export interface VoteStore {
  record(voterId: string, choice: Choice): Promise<void>
  choiceOf(voterId: string): Promise<Choice | undefined>
  ping(): Promise<void>
}

export function redisVoteStore(redis: Redis, stream: string, choicesKey: string): VoteStore {
  return {
    async record(voterId, choice) {
      const results = await redis
        .multi()
        .xadd(stream, '*', ...encodeVote({ voter: voterId, vote: choice }))
        .hset(choicesKey, voterId, choice)
        .exec()
      const failed = results?.find(([err]) => err)
      if (!results || failed) throw failed?.[0] ?? new Error('Redis discarded the vote transaction')
    },
    async choiceOf(voterId) {
      const value = await redis.hget(choicesKey, voterId)
      return isChoice(value) ? value : undefined
    },
    async ping() {
      await redis.ping()
    },
  }
}
