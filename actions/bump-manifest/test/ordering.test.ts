// The order of two images and what a bump does about it (src/ordering.ts): every rule, directly.
import { describe, expect, it } from 'vitest'
import { combineVerdicts, compareImages, compareSemVer, decide, parseSemVer, type DecisionInput, type OrderVerdict } from '../src/ordering'

const semver = (tag: string) => {
  const parsed = parseSemVer(tag)
  if (!parsed) throw new Error(`not semver: ${tag}`)
  return parsed
}
const cmp = (a: string, b: string): number => Math.sign(compareSemVer(semver(a), semver(b)))

describe('SemVer 2.0 precedence (https://semver.org/#spec-item-11)', () => {
  it('orders the specification\'s own example chain', () => {
    const chain = ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0']
    for (let i = 1; i < chain.length; i++) {
      expect(cmp(chain[i - 1] as string, chain[i] as string), `${chain[i - 1]} < ${chain[i]}`).toBe(-1)
      expect(cmp(chain[i] as string, chain[i - 1] as string)).toBe(1)
    }
  })

  it('compares numeric pre-release identifiers as numbers: rc.10 > rc.9, and the release is newer than both', () => {
    expect(cmp('1.0.0-rc.10', '1.0.0-rc.9')).toBe(1)
    expect(cmp('1.0.0', '1.0.0-rc.10')).toBe(1)
    expect(cmp('1.0.0', '1.0.0-rc.9')).toBe(1)
    expect(cmp('1.0.0-rc.99999999999999999999', '1.0.0-rc.99999999999999999998')).toBe(1)
  })

  it('compares major, minor and patch as numbers and ignores build metadata', () => {
    expect(cmp('1.10.0', '1.9.0')).toBe(1)
    expect(cmp('2.0.0', '1.99.99')).toBe(1)
    expect(cmp('1.0.1', '1.0.0')).toBe(1)
    expect(cmp('1.0.0+build.2', '1.0.0+build.1')).toBe(0)
    expect(cmp('v1.2.0', '1.2.0')).toBe(0)
  })

  it('is not fooled by tags that are not versions', () => {
    for (const tag of ['sha-1a2b3c4', 'latest', '1.0', '01.0.0', '1.0.0-01', '1.0.0-']) expect(parseSemVer(tag)).toBeUndefined()
  })
})

const A = 'a'.repeat(40)
const B = 'b'.repeat(40)

describe('compareImages', () => {
  it('uses SemVer when both tags are versions, whatever the commits say', () => {
    const v = compareImages({ reference: 'v:1.0.0-rc.9', tag: '1.0.0-rc.9', sourceCommit: B }, { reference: 'v:1.0.0-rc.10', tag: '1.0.0-rc.10', sourceCommit: A }, { relation: 'descendant' })
    expect(v).toMatchObject({ order: 'older', basis: 'semver' })
    expect(v.reason).toBe('1.0.0-rc.9 is older than 1.0.0-rc.10 (SemVer 2.0 precedence)')
  })

  it('orders sha-<7> images by the ancestry of their source commits', () => {
    const candidate = { reference: 'v:sha-aaaaaaa', tag: 'sha-aaaaaaa', sourceCommit: A }
    const deployed = { reference: 'v:sha-bbbbbbb', tag: 'sha-bbbbbbb', sourceCommit: B }
    expect(compareImages(candidate, deployed, { relation: 'ancestor' })).toMatchObject({ order: 'older', basis: 'ancestry' })
    expect(compareImages(candidate, deployed, { relation: 'descendant' })).toMatchObject({ order: 'newer', basis: 'ancestry' })
    expect(compareImages(candidate, deployed, { relation: 'same' })).toMatchObject({ order: 'same' })
    expect(compareImages(candidate, deployed, { relation: 'diverged' })).toMatchObject({ order: 'unknown', basis: 'ancestry' })
    expect(compareImages(candidate, deployed, { relation: 'unknown', why: 'commit bbbbbbbbbbbb is not in /src' }).reason).toContain('is not in /src')
  })

  it('says the order is unknown for unrelated tags without source commits, and same for one digest', () => {
    expect(compareImages({ reference: 'v:latest', tag: 'latest' }, { reference: 'v:1.0.0', tag: '1.0.0', sourceCommit: B })).toMatchObject({ order: 'unknown', basis: 'none' })
    const d = `sha256:${'c'.repeat(64)}`
    expect(compareImages({ reference: `v:2.0.0@${d}`, tag: '2.0.0', digest: d }, { reference: `v:1.0.0@${d}`, tag: '1.0.0', digest: d })).toMatchObject({ order: 'same', basis: 'digest' })
  })

  it('combines several pins: older wins, then unknown', () => {
    const v = (order: OrderVerdict['order']): OrderVerdict => ({ order, basis: 'none', reason: order })
    expect(combineVerdicts([v('newer'), v('older'), v('unknown')])?.order).toBe('older')
    expect(combineVerdicts([v('newer'), v('unknown')])?.order).toBe('unknown')
    expect(combineVerdicts([v('same'), v('newer')])?.order).toBe('newer')
  })
})

describe('decide', () => {
  const verdict = (order: OrderVerdict['order']): OrderVerdict => ({ order, basis: 'semver', reason: order })
  const base: DecisionInput = { verdict: verdict('newer'), allowDowngrade: false, releaseHold: false, supersedeHold: false, unknownOrder: 'deploy' }

  it('commits a newer or the same image, refuses an older one unless allowed on purpose, which holds', () => {
    expect(decide(base)).toMatchObject({ commit: true, hold: 'none' })
    expect(decide({ ...base, verdict: verdict('same') })).toMatchObject({ commit: true, hold: 'none' })
    expect(decide({ ...base, verdict: verdict('older') })).toMatchObject({ commit: false, refused: 'older', hold: 'none' })
    expect(decide({ ...base, verdict: verdict('older'), allowDowngrade: true })).toMatchObject({ commit: true, hold: 'set' })
  })

  it('follows unknown-order when the order is unknown (deploy by default), and a deliberate deploy of it holds', () => {
    expect(decide({ ...base, verdict: verdict('unknown') })).toMatchObject({ commit: true, hold: 'none' })
    expect(decide({ ...base, verdict: verdict('unknown'), unknownOrder: 'refuse' })).toMatchObject({ commit: false, refused: 'unknown-order' })
    expect(decide({ ...base, verdict: verdict('unknown'), allowDowngrade: true })).toMatchObject({ commit: true, hold: 'set' })
  })

  it('skips a held service, even for a newer image, unless a deliberate release or redeploy is newer', () => {
    const held = { ...base, heldAt: 'v:1.0.0' }
    expect(decide(held)).toMatchObject({ commit: false, refused: 'held', hold: 'keep' })
    expect(decide(held).why).toContain('release-hold')
    expect(decide({ ...held, supersedeHold: true })).toMatchObject({ commit: true, hold: 'clear' })
    expect(decide({ ...held, supersedeHold: true, verdict: verdict('older') })).toMatchObject({ commit: false, refused: 'held' })
    expect(decide({ ...held, supersedeHold: true, verdict: verdict('unknown') })).toMatchObject({ commit: false, refused: 'held' })
    expect(decide({ ...held, allowDowngrade: true })).toMatchObject({ commit: true, hold: 'clear' })
    expect(decide({ ...held, allowDowngrade: true, verdict: verdict('older') })).toMatchObject({ commit: true, hold: 'set' })
  })

  it('release-hold clears the hold with the commit, and leaves it when the commit is refused', () => {
    const released = { ...base, heldAt: 'v:1.0.0', releaseHold: true }
    expect(decide(released)).toMatchObject({ commit: true, hold: 'clear' })
    expect(decide({ ...released, verdict: verdict('older'), allowDowngrade: true })).toMatchObject({ commit: true, hold: 'clear' })
    expect(decide({ ...released, verdict: verdict('older') })).toMatchObject({ commit: false, refused: 'older', hold: 'keep' })
  })
})
