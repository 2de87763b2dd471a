// The wait's pure parts: which status decides (judge), the poll loop on an injected clock, the
// failure message, and the wait inputs (wait-settings.ts).
import { describe, expect, it } from 'vitest'
import { InputError } from '@aks-gitops/toolkit'
import { isTransientReadError, judge, waitFailureMessage, waitForStatus, type CommitStatus } from '../src/status-wait'
import { parseDuration, parseWaitSettings, type RawWaitInputs, type WaitContext } from '../src/wait-settings'

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b'
const OTHER = '89e6c98d92887913cadf06b2adb97f26cde4849b'
const CONTEXT = 'continuous-delivery/voting-app-staging'
const status = (state: string, revision: string | undefined, context = CONTEXT): CommitStatus => ({
  state,
  context,
  description: revision ? `revision ${revision}: voting-app-staging ${state}` : `voting-app-staging ${state}`,
  target_url: 'https://argocd.example.com/applications/argocd/voting-app-staging',
})

describe('judge (statuses newest first)', () => {
  it('the newest status of the context about this revision decides', () => {
    expect(judge([status('success', SHA), status('pending', SHA)], CONTEXT, SHA).verdict.kind).toBe('success')
    expect(judge([status('failure', SHA), status('success', SHA)], CONTEXT, SHA).verdict.kind).toBe('failure')
    expect(judge([status('error', SHA)], CONTEXT, SHA).verdict.kind).toBe('error')
    expect(judge([status('pending', SHA), status('failure', SHA)], CONTEXT, SHA).verdict).toMatchObject({ kind: 'waiting', pending: { state: 'pending' } })
    expect(judge([], CONTEXT, SHA).verdict).toEqual({ kind: 'waiting' })
  })

  it('skips other contexts and statuses about another revision; a description naming none counts for this commit', () => {
    const judged = judge([status('failure', SHA, 'ci/manifests'), status('failure', OTHER), status('success', SHA)], CONTEXT, SHA)
    expect(judged.verdict.kind).toBe('success')
    expect(judged.ignored).toEqual([status('failure', OTHER)])
    expect(judge([status('success', undefined)], CONTEXT, SHA).verdict.kind).toBe('success')
    // Case of the SHA does not matter; an abbreviated one is not a revision.
    expect(judge([status('success', SHA.toUpperCase())], CONTEXT, SHA).verdict.kind).toBe('success')
    expect(judge([{ ...status('failure', undefined), description: `revision ${OTHER.slice(0, 7)}: x` }], CONTEXT, SHA).verdict.kind).toBe('failure')
  })
})

describe('waitForStatus', () => {
  /** A clock that moves only when the loop sleeps. */
  function clock() {
    let t = 1_000_000
    const sleeps: number[] = []
    return { now: () => t, sleep: async (ms: number) => void (sleeps.push(ms), (t += ms)), sleeps }
  }
  const request = { application: 'voting-app-staging', context: CONTEXT, revision: SHA, timeoutSeconds: 60, intervalSeconds: 15 }

  it('polls every interval until a status decides', async () => {
    const c = clock()
    const answers = [[], [status('pending', SHA)], [status('success', SHA), status('pending', SHA)]]
    const result = await waitForStatus(request, { read: async () => answers.shift() ?? [], now: c.now, sleep: c.sleep })
    expect(result).toMatchObject({ state: 'success', polls: 3, seconds: 30, revision: SHA, application: 'voting-app-staging' })
    expect(c.sleeps).toEqual([15000, 15000])
  })

  it('times out with the last poll at the deadline, keeping the last pending status', async () => {
    const c = clock()
    const result = await waitForStatus({ ...request, timeoutSeconds: 40 }, { read: async () => [status('pending', SHA)], now: c.now, sleep: c.sleep })
    expect(result).toMatchObject({ state: 'timeout', polls: 4, seconds: 40, status: { state: 'pending' } })
    expect(c.sleeps).toEqual([15000, 15000, 10000])
    expect(waitFailureMessage(result, 40)).toMatch(/^Argo CD Application voting-app-staging at revision 3f78.*: timeout after 40 s waiting for Argo CD's commit status; the last status was pending/)
  })

  it('takes a newer revision\'s word when the commit has none, and only about that revision', async () => {
    const c = clock()
    const answers = [undefined, { revision: OTHER, statuses: [status('pending', OTHER), status('success', SHA)] }, { revision: OTHER, statuses: [status('failure', OTHER)] }]
    const result = await waitForStatus(request, { read: async () => [], newer: async () => answers.shift(), now: c.now, sleep: c.sleep })
    // The success on the newer revision names the older commit, so it is not the newer revision's word.
    expect(result).toMatchObject({ state: 'failure', polls: 3, revision: SHA, syncedRevision: OTHER })
    expect(waitFailureMessage(result, 60)).toBe(`Argo CD Application voting-app-staging at revision ${OTHER} (which includes ${SHA}): failure: "revision ${OTHER}: voting-app-staging failure" (https://argocd.example.com/applications/argocd/voting-app-staging)`)
    // The commit's own word comes first: a newer revision is not even asked then.
    let asked = 0
    const own = await waitForStatus(request, { read: async () => [status('success', SHA)], newer: async () => void asked++, now: c.now, sleep: c.sleep })
    expect(own).toMatchObject({ state: 'success', syncedRevision: SHA })
    expect(asked).toBe(0)
  })

  it('polls through transient read errors and stops at any other, with the state unknown', async () => {
    const c = clock()
    let n = 0
    const transient = Object.assign(new Error('502'), { transient: true })
    const read = async () => {
      if (++n === 1) throw transient
      return [status('success', SHA)]
    }
    const errors: unknown[] = []
    expect(await waitForStatus(request, { read, now: c.now, sleep: c.sleep, onTransientError: (e) => errors.push(e) })).toMatchObject({ state: 'success', polls: 2 })
    expect(errors).toEqual([transient])
    expect(isTransientReadError(transient)).toBe(true)
    const denied = await waitForStatus(request, { read: async () => Promise.reject(new Error('401 Bad credentials')), now: c.now, sleep: c.sleep })
    expect(denied).toMatchObject({ state: 'unknown', polls: 1, seconds: 0, revision: SHA, readError: '401 Bad credentials' })
    expect(waitFailureMessage(denied, 60)).toBe(`Argo CD Application voting-app-staging at revision ${SHA}: unknown: its commit statuses could not be read: 401 Bad credentials`)
  })

  it('waits what a rate-limited read asked for (minDelayMs) before the next poll, at least the interval', async () => {
    const c = clock()
    let n = 0
    const asked = [Object.assign(new Error('rate limited'), { transient: true, minDelayMs: 40_000 }), Object.assign(new Error('rate limited'), { transient: true, minDelayMs: 2000 })]
    const read = async () => {
      const error = asked[n++]
      if (error) throw error
      return [status('success', SHA)]
    }
    const waits: (number | undefined)[] = []
    const result = await waitForStatus({ ...request, timeoutSeconds: 120 }, { read, now: c.now, sleep: c.sleep, onTransientError: (_e, _poll, waitMs) => waits.push(waitMs) })
    expect(result).toMatchObject({ state: 'success', polls: 3 })
    // 40 s asked, over the 15 s interval; 2 s asked, under it: the interval.
    expect(c.sleeps).toEqual([40_000, 15_000])
    expect(waits).toEqual([40_000, 15_000])
  })

  it('fails at once (unknown) when a rate limit asks for longer than the timeout leaves, instead of sleeping past it', async () => {
    const c = clock()
    const limited = Object.assign(new Error("GET /statuses: GitHub's secondary rate limit: GitHub asks to wait 120 s (retry-after), until 08:02:00 UTC"), { transient: true, minDelayMs: 120_000 })
    const warned: unknown[] = []
    const result = await waitForStatus(request, { read: async () => Promise.reject(limited), now: c.now, sleep: c.sleep, onTransientError: (e) => warned.push(e) })
    expect(result).toMatchObject({ state: 'unknown', polls: 1, seconds: 0 })
    expect(result.readError).toBe(`${limited.message}, after wait-timeout ends (60 s left): not waiting past it`)
    expect(c.sleeps).toEqual([])
    expect(warned).toEqual([])
  })
})

describe('wait inputs', () => {
  const raw: RawWaitInputs = { application: 'voting-app-{environment}', context: '', timeout: '', interval: '', statusToken: '' }
  const ctx: WaitContext = { environment: 'production', token: 'ghs_x', pullRequest: false, push: true, dryRun: false, repository: 'octo/gitops' }
  const refusal = (r: Partial<RawWaitInputs>, c: Partial<WaitContext> = {}) => {
    try {
      parseWaitSettings({ ...raw, ...r }, { ...ctx, ...c })
    } catch (error) {
      expect(error).toBeInstanceOf(InputError)
      return (error as Error).message
    }
    throw new Error('expected an InputError')
  }

  it('defaults: the context of the templates, 15 minutes, every 15 seconds, the token input', () => {
    expect(parseWaitSettings(raw, ctx)).toEqual({ application: 'voting-app-production', context: 'continuous-delivery/voting-app-production', timeoutSeconds: 900, intervalSeconds: 15, token: 'ghs_x' })
    expect(parseWaitSettings({ ...raw, application: '' }, ctx)).toBeUndefined()
    expect(parseWaitSettings({ ...raw, context: 'argocd/prod', statusToken: 'ghs_y', timeout: '1h', interval: '30s' }, ctx)).toMatchObject({ context: 'argocd/prod', token: 'ghs_y', timeoutSeconds: 3600, intervalSeconds: 30 })
  })

  it('durations: seconds, s, m, h, within range', () => {
    expect(parseDuration('wait-timeout', '90', { min: 1, max: 100 })).toBe(90)
    expect(parseDuration('wait-timeout', '2m', { min: 1, max: 200 })).toBe(120)
    expect(() => parseDuration('wait-timeout', '1.5m', { min: 1, max: 200 })).toThrow('"1.5m" is not a duration')
    expect(() => parseDuration('wait-timeout', '0', { min: 1, max: 200 })).toThrow('0 is out of range (expected 1 s to 200 s)')
    expect(() => parseDuration('wait-timeout', '-5', { min: 1, max: 200 })).toThrow('is not a duration')
  })

  it('refuses what the wait cannot follow', () => {
    expect(refusal({}, { pullRequest: true })).toContain('cannot be used with pull-request')
    expect(refusal({}, { push: false })).toContain('needs a pushed commit')
    expect(refusal({}, { repository: undefined })).toContain('needs GITHUB_REPOSITORY')
    expect(refusal({}, { token: undefined })).toBe('Input "status-token": or token is required with wait-for-application (it reads commit statuses: statuses: read)')
    expect(refusal({ interval: '2m', timeout: '1m' })).toBe('Input "wait-interval": 120 s is longer than wait-timeout (60 s)')
    expect(refusal({ application: '', interval: '5s' })).toContain('Input "wait-interval": needs wait-for-application')
    expect(refusal({ application: 'a'.repeat(254) })).toContain('is not an Argo CD Application name')
  })
})
