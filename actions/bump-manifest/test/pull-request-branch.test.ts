// Which branch an attempt of pull-request mode builds on: the open pull request's (stacked, no force)
// or the base branch (rebuilt, forced), decided again at every attempt.
import { describe, expect, it } from 'vitest'
import type { CommitStore } from '../src/publish'
import { pullRequestBranchStore } from '../src/pull-request-branch'

/** A store that records what was asked of it, named so the calls show which one answered. */
function recordingStore(name: string, calls: string[]): CommitStore {
  return {
    base: async () => (calls.push(`${name}.base`), `${name}-tip`),
    read: async (base, path) => (calls.push(`${name}.read ${base} ${path}`), 'text'),
    commit: async (base) => (calls.push(`${name}.commit ${base}`), `${name}-commit`),
    land: async (commit) => void calls.push(`${name}.land ${commit}`),
  }
}

describe('pullRequestBranchStore', () => {
  it('stacks on the branch while a pull request is open, rebuilds on the base when none is, deciding at each attempt', async () => {
    const calls: string[] = []
    const answers: ({ number: number } | undefined)[] = [undefined, { number: 7 }]
    const store = pullRequestBranchStore({ findOpen: async () => answers.shift(), stacked: recordingStore('stacked', calls), rebuilt: recordingStore('rebuilt', calls) })

    // Attempt 1: nothing open yet.
    const first = await store.base()
    await store.read(first, 'k8s/vote.yaml')
    await store.land(await store.commit(first, [], 'm'))
    expect(store.open()).toBeUndefined()
    // Attempt 2 (say the push was rejected because another run opened the pull request meanwhile).
    const second = await store.base()
    await store.read(second, 'k8s/vote.yaml')
    await store.land(await store.commit(second, [], 'm'))
    expect(store.open()).toEqual({ number: 7 })

    expect(calls).toEqual([
      'rebuilt.base', 'rebuilt.read rebuilt-tip k8s/vote.yaml', 'rebuilt.commit rebuilt-tip', 'rebuilt.land rebuilt-commit',
      'stacked.base', 'stacked.read stacked-tip k8s/vote.yaml', 'stacked.commit stacked-tip', 'stacked.land stacked-commit',
    ])
  })

  it("passes one-read and ancestry checks to the chosen store, or falls back to file-by-file reads and equality", async () => {
    const calls: string[] = []
    const withBoth: CommitStore = {
      ...recordingStore('stacked', calls),
      readAll: async (base, paths) => (calls.push(`stacked.readAll ${base} ${paths.join(',')}`), new Map(paths.map((p) => [p, 'all']))),
      contains: async (tip, commit) => (calls.push(`stacked.contains ${tip} ${commit}`), true),
    }
    const answers: ({ number: number } | undefined)[] = [{ number: 7 }, undefined]
    const store = pullRequestBranchStore({ findOpen: async () => answers.shift(), stacked: withBoth, rebuilt: recordingStore('rebuilt', calls) })
    const stacked = await store.base()
    expect(await store.readAll?.(stacked, ['a.yaml', 'b.yaml'])).toEqual(new Map([['a.yaml', 'all'], ['b.yaml', 'all']]))
    expect(await store.contains?.(stacked, 'x')).toBe(true)
    const rebuilt = await store.base()
    expect(await store.readAll?.(rebuilt, ['a.yaml'])).toEqual(new Map([['a.yaml', 'text']]))
    expect(await store.contains?.(rebuilt, 'rebuilt-tip')).toBe(true)
    expect(await store.contains?.(rebuilt, 'other')).toBe(false)
    expect(calls).toEqual(['stacked.base', 'stacked.readAll stacked-tip a.yaml,b.yaml', 'stacked.contains stacked-tip x', 'rebuilt.base', 'rebuilt.read rebuilt-tip a.yaml'])
  })

  it('fails the attempt when the look-up fails, reading no branch', async () => {
    const calls: string[] = []
    const store = pullRequestBranchStore({
      findOpen: async () => Promise.reject(new Error('Bad credentials')),
      stacked: recordingStore('stacked', calls),
      rebuilt: recordingStore('rebuilt', calls),
    })
    await expect(store.base()).rejects.toThrow('Bad credentials')
    expect(calls).toEqual([])
  })
})
