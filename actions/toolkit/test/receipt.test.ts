// The deployment receipt's one shape: parseReceipt reads back what bump-manifest writes, every field
// checked, and a text of another shape gives one error naming the field. And the words both
// renderings of a receipt share.
import { describe, expect, it } from 'vitest'
import { parseReceipt, ReceiptError, type Receipt } from '../src/receipt'
import { noCommitText, notHeldText, stagesText, syncHeadline } from '../src/receipt-text'

// Grouped as the README's table groups the rows.
const RECEIPT: Receipt = {
  service: 'vote', environment: 'production',
  image: 'r.io/vote:1.4.2', digest: `sha256:${'a'.repeat(64)}`,
  platforms: ['linux/amd64', 'linux/arm64'], attestations: 'provenance, sbom',
  commit: 'c'.repeat(40), commitUrl: `https://github.com/o/r/commit/${'c'.repeat(40)}`, pullRequest: '',
  previousImage: ['r.io/vote:1.4.1'], order: 'newer', decision: 'deploys a newer image', comparedWith: 'the pins of the files as checked out', refused: '',
  hold: { state: 'held', change: 'set by this deploy', image: 'r.io/vote:1.4.2', by: 'octocat', run: 'https://github.com/o/r/actions/runs/1', at: '2026-01-02T03:04:05Z' },
  sync: { status: 'success', seconds: 42, application: 'voting-app-production', revision: 'c'.repeat(40), syncedRevision: 'c'.repeat(40), url: 'https://argocd.example/applications/x', detail: '"revision ccc: synced"' },
  stages: [{ name: 'build', seconds: 312 }, { name: 'order check', seconds: 0.4 }],
}

describe('parseReceipt', () => {
  it('reads back a receipt as written, every field kept', () => {
    expect(parseReceipt(JSON.stringify(RECEIPT))).toEqual(RECEIPT)
    const quiet: Receipt = { ...RECEIPT, commit: '', commitUrl: '', refused: 'older', hold: { state: 'not held', change: 'none' }, sync: { status: 'skipped' }, stages: [] }
    expect(parseReceipt(JSON.stringify(quiet))).toEqual(quiet)
  })

  it('leaves absent optional fields out and drops fields the shape does not have', () => {
    const parsed = parseReceipt(JSON.stringify({ ...RECEIPT, extra: 1, sync: { status: 'not waited', seconds: undefined, other: 'x' } }))
    expect(parsed.sync).toEqual({ status: 'not waited' })
    expect(Object.keys(parsed.sync)).toEqual(['status'])
    expect(parsed).not.toHaveProperty('extra')
  })

  it.each([
    ['not JSON', undefined, '{"service":', /^not a deployment receipt: not JSON \(/],
    ['not an object', [RECEIPT], undefined, 'not a deployment receipt: it is [{'],
    ['null', null, undefined, 'not a deployment receipt: it is null (expected an object)'],
    ['a missing field', { ...RECEIPT, digest: undefined }, undefined, 'not a deployment receipt: digest is missing (expected a string)'],
    ['a field of the wrong type', { ...RECEIPT, platforms: 'linux/amd64' }, undefined, 'not a deployment receipt: platforms is "linux/amd64" (expected a list)'],
    ['a wrong list item', { ...RECEIPT, previousImage: ['a', 2] }, undefined, 'not a deployment receipt: previousImage[1] is 2 (expected a string)'],
    ['an unknown hold state', { ...RECEIPT, hold: { state: 'frozen', change: 'kept' } }, undefined, 'not a deployment receipt: hold.state is "frozen" (expected one of held, not held)'],
    ['an unknown hold change', { ...RECEIPT, hold: { state: 'not held', change: 'gone' } }, undefined, 'hold.change is "gone" (expected one of set by this deploy, released by this deploy, kept, none)'],
    ['a stage without seconds', { ...RECEIPT, stages: [{ name: 'build', seconds: 1 }, { name: 'commit' }] }, undefined, 'stages[1].seconds is missing (expected a number)'],
    ['sync without a status', { ...RECEIPT, sync: { seconds: 3 } }, undefined, 'sync.status is missing (expected a string)'],
  ])('refuses %s with one error naming the field', (_, value, text, message) => {
    const read = () => parseReceipt(text ?? JSON.stringify(value))
    expect(read).toThrow(ReceiptError)
    expect(read).toThrow(message)
  })
})

describe("the receipt's shared words", () => {
  it('say why no commit landed', () => {
    expect(noCommitText('held')).toBe('none: refused (held)')
    expect(noCommitText('')).toBe('none: already pinned')
  })

  it('say a released hold, and nothing more for any other change', () => {
    expect(notHeldText({ change: 'released by this deploy' })).toBe('not held (released by this deploy)')
    expect(notHeldText({ change: 'none' })).toBe('not held')
  })

  it('start the sync row with the state and the seconds waited', () => {
    expect(syncHeadline({ status: 'failure', seconds: 42 })).toBe('failure after 42 s')
    expect(syncHeadline({ status: 'success', seconds: 0 })).toBe('success after 0 s')
    expect(syncHeadline({ status: 'not waited' })).toBe('not waited')
  })

  it('list the stages in order', () => {
    expect(stagesText(RECEIPT.stages)).toBe('build 312 s, order check 0.4 s')
    expect(stagesText([])).toBe('')
  })
})
