// The receipt's record of the wait for Argo CD (syncOfWait) and its sync status row, for every state
// the wait can reach: the failure path records the state, not the error text.
import { describe, expect, it } from 'vitest'
import { parseReceipt, type ReceiptSync } from '@aks-gitops/toolkit'
import { buildReceipt, receiptMarkdown, syncOfWait } from '../src/receipt'
import type { Guard } from '../src/guard'
import type { WaitResult } from '../src/status-wait'

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b'
const NEWER = '89e6c98d92887913cadf06b2adb97f26cde4849b'
const APP = 'voting-app-staging'
const URL = `https://argocd.example.com/applications/argocd/${APP}`
const status = (state: string, revision = SHA) => ({ state, context: `continuous-delivery/${APP}`, description: `revision ${revision}: ${APP} ${state}`, target_url: URL })
const wait = (over: Partial<WaitResult>): WaitResult => ({ state: 'success', application: APP, context: `continuous-delivery/${APP}`, revision: SHA, syncedRevision: SHA, seconds: 42, polls: 3, ignored: [], ...over })

/** The sync status row of a receipt carrying `sync`. */
function row(sync: ReceiptSync): string | undefined {
  const guard = { after: undefined, decision: { hold: 'none', why: 'newer' }, deployed: [], verdict: { order: 'newer' } } as unknown as Guard
  const receipt = buildReceipt({ service: 'vote', image: 'r/vote:1.2.3', platforms: [], serverUrl: 'https://github.com', guard, sync, stages: [] })
  return receiptMarkdown(receipt).split('\n').find((line) => line.startsWith('| sync status |'))
}

describe('syncOfWait', () => {
  it('records a failure with the Application, the revision, the seconds, the status and its link', () => {
    const sync = syncOfWait(wait({ state: 'failure', status: status('failure') }))
    expect(sync).toEqual({ status: 'failure', seconds: 42, application: APP, revision: SHA, syncedRevision: SHA, url: URL, detail: `"revision ${SHA}: ${APP} failure"` })
    expect(row(sync)).toBe(`| sync status | failure after 42 s: Argo CD Application ${APP} at ${SHA.slice(0, 12)}: "revision ${SHA}: ${APP} failure" ([Argo CD](${URL})) |`)
  })

  it('names the newer revision that answered, which includes the commit', () => {
    const sync = syncOfWait(wait({ state: 'error', syncedRevision: NEWER, status: status('error', NEWER) }))
    expect(sync).toMatchObject({ status: 'error', revision: SHA, syncedRevision: NEWER })
    expect(row(sync)).toContain(`error after 42 s: Argo CD Application ${APP} at ${NEWER.slice(0, 12)} (which includes ${SHA.slice(0, 12)}): "revision ${NEWER}`)
  })

  it('records a timeout with no revision that answered, the last status seen and the statuses ignored', () => {
    const pending = syncOfWait(wait({ state: 'timeout', seconds: 900, status: status('pending') }))
    expect(pending).toEqual({ status: 'timeout', seconds: 900, application: APP, revision: SHA, url: URL, detail: `the last status was pending: "revision ${SHA}: ${APP} pending"` })
    const none = syncOfWait(wait({ state: 'timeout', seconds: 900, ignored: [status('failure', NEWER), status('pending', NEWER)] }))
    expect(none).toEqual({ status: 'timeout', seconds: 900, application: APP, revision: SHA, detail: `no status "continuous-delivery/${APP}" was set on the commit; ignored 2 statuses about another revision` })
    expect(row(none)).toBe(`| sync status | timeout after 900 s: Argo CD Application ${APP} at ${SHA.slice(0, 12)}: no status "continuous-delivery/${APP}" was set on the commit; ignored 2 statuses about another revision |`)
  })

  it('records an unreadable status as unknown, with the read that failed', () => {
    const sync = syncOfWait(wait({ state: 'unknown', seconds: 0, readError: 'GET /x/statuses: 401 Bad credentials (the token was refused)' }))
    expect(sync).toEqual({ status: 'unknown', seconds: 0, application: APP, revision: SHA, detail: 'its commit statuses could not be read: GET /x/statuses: 401 Bad credentials (the token was refused)' })
  })

  it('keeps the rows of no wait as they were: the state and why', () => {
    expect(row({ status: 'not waited', detail: 'wait-for-application is not set' })).toBe('| sync status | not waited: wait-for-application is not set |')
    expect(row({ status: 'success', seconds: 5, application: APP, revision: SHA, syncedRevision: SHA, detail: 'a | b' })).toBe(`| sync status | success after 5 s: Argo CD Application ${APP} at ${SHA.slice(0, 12)}: a \\| b |`)
  })
})

describe('what the new image was compared with', () => {
  const guard = (against?: Guard['against']) =>
    ({ after: undefined, decision: { hold: 'none', commit: false, refused: 'older', why: 'refused: older' }, deployed: [{ reference: 'r/vote:1.3.0' }], verdict: { order: 'older' }, ...(against ? { against } : {}) }) as unknown as Guard
  const receipt = (g: Guard) => buildReceipt({ service: 'vote', image: 'r/vote:1.2.5', platforms: [], serverUrl: 'https://github.com', guard: g, sync: { status: 'skipped' }, stages: [] })

  it('names the open pull request and its branch when the pins were read there', () => {
    const r = receipt(guard({ pullRequest: 'https://github.example/o/r/pull/7', branch: 'bump-manifest/main/vote-production' }))
    expect(r.comparedWith).toBe('the pins on branch bump-manifest/main/vote-production of the open pull request https://github.example/o/r/pull/7, which is what merges')
    expect(receiptMarkdown(r)).toContain(`| compared with | ${r.comparedWith} |`)
  })

  it('says the checked-out files otherwise', () => {
    expect(receipt(guard()).comparedWith).toBe('the pins of the files as checked out')
  })
})

describe('the receipt output', () => {
  it("has the toolkit's shape: the local pipeline reads it back as written, held or not", () => {
    const held = { after: { service: 'vote', image: 'r/vote:1.2.3', by: 'octocat', run: 'https://github.com/o/r/actions/runs/9' }, decision: { hold: 'set', why: 'older, on purpose' }, deployed: [{ reference: 'r/vote:1.3.0' }], verdict: { order: 'older' } } as unknown as Guard
    const free = { after: undefined, decision: { hold: 'clear', why: 'newer' }, deployed: [], verdict: { order: 'newer' } } as unknown as Guard
    for (const guard of [held, free]) {
      const receipt = buildReceipt({ service: 'vote', environment: 'staging', image: 'r/vote:1.2.3', digest: `sha256:${'d'.repeat(64)}`, platforms: ['linux/amd64'], commit: SHA, serverUrl: 'https://github.com/', repository: 'o/r', guard, sync: syncOfWait(wait({})), stages: [{ name: 'commit', seconds: 1.26 }] })
      expect(parseReceipt(JSON.stringify(receipt))).toEqual(receipt)
    }
  })
})
