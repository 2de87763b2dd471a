import { describe, expect, it } from 'vitest'
import { computeTags, isReleaseVersion, parseReleaseRef, parseServiceRelease, promotionTagRef, rcNumber, rcTag, RefError, releaseRefs, shaTag, shaTagCommit } from '../src/gitflow'

const sha = '0123456789abcdef0123456789abcdef01234567'
const at = (ref: string, extra: { runNumber?: number | string; service?: string } = {}) => computeTags({ ref, sha, runNumber: extra.runNumber ?? 42, service: extra.service })

describe('computeTags over the GitFlow table', () => {
  it('push to develop publishes sha-<7>', () => {
    expect(at('refs/heads/develop')).toEqual({ kind: 'develop', tags: ['sha-0123456'], version: 'sha-0123456', publish: true })
  })

  it('push to release/<svc>/vX.Y.Z publishes X.Y.Z-rc.<run> and sha-<7>', () => {
    expect(at('refs/heads/release/vote/v1.2.0', { runNumber: '17', service: 'vote' })).toEqual({
      kind: 'release',
      tags: ['1.2.0-rc.17', 'sha-0123456'],
      version: '1.2.0-rc.17',
      publish: true,
      service: 'vote',
      release: '1.2.0',
    })
    expect(at('refs/heads/release/result/v10.0.3').tags).toEqual(['10.0.3-rc.42', 'sha-0123456'])
  })

  it('tag <svc>/vX.Y.Z gives X.Y.Z', () => {
    expect(at('refs/tags/worker/v2.3.4', { service: 'worker' })).toEqual({ kind: 'production', tags: ['2.3.4'], version: '2.3.4', publish: true, service: 'worker', release: '2.3.4' })
  })

  it('feature branches and pull requests build without tags', () => {
    expect(at('refs/heads/feature/faster-votes')).toEqual({ kind: 'feature', tags: [], version: 'sha-0123456', publish: false })
    expect(at('refs/heads/feature/a/b/c').publish).toBe(false)
    expect(at('refs/pull/12/merge')).toEqual({ kind: 'pull-request', tags: [], version: 'pr-12', publish: false })
  })

  it('other refs publish nothing', () => {
    expect(at('refs/heads/main')).toEqual({ kind: 'other', tags: [], version: 'sha-0123456', publish: false })
    expect(at('refs/heads/releases-notes').kind).toBe('other')
  })

  it('rejects malformed release refs with the ref in the message', () => {
    expect(() => at('refs/heads/release/vote/1.2.0')).toThrow(/release branch "vote\/1.2.0" is not <service>\/vX.Y.Z/)
    expect(() => at('refs/heads/release/vote/v1.2')).toThrow(RefError)
    expect(() => at('refs/heads/release/v1.2.0')).toThrow(RefError)
    expect(() => at('refs/heads/release/vote/v01.2.0')).toThrow(RefError)
    expect(() => at('refs/tags/vote/v1.2.0-beta')).toThrow(/tag "vote\/v1.2.0-beta"/)
    expect(() => at('refs/tags/Vote/v1.2.0')).toThrow(RefError)
  })

  it('names the service as the one rule of repository-name.ts allows it', () => {
    expect(at('refs/heads/release/vote__api/v1.0.0').service).toBe('vote__api')
    expect(at(`refs/tags/${'a'.repeat(63)}/v1.0.0`).service).toBe('a'.repeat(63))
    // Accepted before the rule was shared; none of them can name an image repository.
    for (const service of ['vote-', 'vote.', 'a..b', 'a___b', 'a._b', 'a'.repeat(64)]) {
      expect(() => at(`refs/heads/release/${service}/v1.0.0`), service).toThrow(/is not <service>\/vX.Y.Z/)
      expect(() => at(`refs/tags/${service}/v1.0.0`), service).toThrow(RefError)
    }
    expect(() => at('refs/heads/release/.vote/v1.0.0')).toThrow(RefError)
    expect(() => at('refs/heads/release/team/vote/v1.0.0')).toThrow(RefError)
  })

  it('rejects a release of another service', () => {
    expect(() => at('refs/heads/release/result/v1.0.0', { service: 'vote' })).toThrow(/for service "result", but this build is for "vote"/)
    expect(() => at('refs/tags/result/v1.0.0', { service: 'vote' })).toThrow(/service "result"/)
  })

  it('validates the run number and the SHA', () => {
    expect(() => at('refs/heads/release/vote/v1.0.0', { runNumber: '0' })).toThrow(/run number "0"/)
    expect(() => at('refs/heads/release/vote/v1.0.0', { runNumber: '' })).toThrow(/run number/)
    expect(() => computeTags({ ref: 'refs/heads/develop', sha: 'xyz', runNumber: 1 })).toThrow(/not a commit SHA/)
    expect(() => computeTags({ ref: '', sha, runNumber: 1 })).toThrow(/GITHUB_REF is empty/)
  })

  it('shaTag lowercases and keeps 7 characters', () => {
    expect(shaTag('ABCDEF0123')).toBe('sha-abcdef0')
  })

  it('shaTagCommit reads back the commit prefix of the tags shaTag makes, and nothing else', () => {
    expect(shaTagCommit(shaTag(sha))).toBe(sha.slice(0, 7))
    expect(shaTagCommit('sha-1a2b3c4')).toBe('1a2b3c4')
    expect(shaTagCommit(`sha-${sha}`)).toBe(sha)
    for (const tag of ['1.0.0', 'sha-1a2b3c', 'sha-1A2B3C4', 'pr-12', undefined]) expect(shaTagCommit(tag)).toBeUndefined()
  })
})

describe('release versions and candidate tags', () => {
  it('accepts X.Y.Z without leading zeros or pre-release, as release refs name it', () => {
    expect(['0.1.0', '1.2.3', '10.0.99'].map(isReleaseVersion)).toEqual([true, true, true])
    expect(['v1.2.3', '01.2.3', '1.2', '1.2.3-rc.1', '1.2.3 '].map(isReleaseVersion)).toEqual([false, false, false, false, false])
  })

  it('writes and reads back X.Y.Z-rc.N, the tag computeTags gives a release branch', () => {
    expect(rcTag('1.2.0', 7)).toBe('1.2.0-rc.7')
    expect(rcNumber('1.2.0', rcTag('1.2.0', 7))).toBe(7)
    expect(computeTags({ ref: 'refs/heads/release/vote/v1.2.0', sha, runNumber: 7 }).tags[0]).toBe(rcTag('1.2.0', 7))
    expect(rcNumber('1.2.0', '1.2.0-rc.x')).toBeUndefined()
  })
})

describe('release refs: the shapes computeTags reads, for callers that name or promote a release', () => {
  it('names the release branch of a version and the tag that promotes it', () => {
    expect(releaseRefs('vote', '1.2.0')).toEqual({ branch: 'refs/heads/release/vote/v1.2.0', tag: 'refs/tags/vote/v1.2.0' })
    const { branch, tag } = releaseRefs('vote', '1.2.0')
    expect(at(branch)).toMatchObject({ kind: 'release', service: 'vote', release: '1.2.0' })
    expect(at(tag)).toMatchObject({ kind: 'production', service: 'vote', release: '1.2.0' })
  })
  it('reads <svc>/vX.Y.Z with the rules of isReleaseVersion and isServiceName, else undefined', () => {
    expect(parseServiceRelease('vote/v1.2.0')).toEqual({ service: 'vote', version: '1.2.0' })
    for (const name of ['x/v1..2', 'vote/1.2.0', 'vote/v01.2.0', 'vote/v1.2.0-rc.1', 'Vote/v1.2.0', 'a/vote/v1.2.0', 'develop', '']) {
      expect(parseServiceRelease(name), name).toBeUndefined()
    }
  })
  it('reads the kind, service and version of a release branch or tag, and nothing for other refs', () => {
    expect(parseReleaseRef('refs/heads/release/vote/v1.2.0')).toEqual({ kind: 'release', service: 'vote', version: '1.2.0' })
    expect(parseReleaseRef('refs/tags/vote/v1.2.0', 'vote')).toEqual({ kind: 'production', service: 'vote', version: '1.2.0' })
    for (const ref of ['refs/heads/develop', 'refs/heads/main', 'refs/heads/feature/x', 'refs/pull/3/merge', '']) {
      expect(parseReleaseRef(ref), ref).toBeUndefined()
    }
  })
  it('refuses what computeTags refuses, with its message', () => {
    for (const [ref, service] of [['refs/heads/release/x/v1..2', undefined], ['refs/tags/latest', undefined], ['refs/heads/release/result/v1.0.0', 'vote']] as const) {
      let expected: unknown
      try {
        at(ref, { service })
      } catch (error) {
        expected = error
      }
      expect(expected, ref).toBeInstanceOf(RefError)
      expect(() => parseReleaseRef(ref, service), ref).toThrow((expected as Error).message)
    }
    expect(() => parseReleaseRef('refs/heads/release/x/v1..2')).toThrow('release branch "x/v1..2" is not <service>/vX.Y.Z (e.g. vote/v1.2.0)')
  })
  it('maps a release branch to the tag that promotes it, and nothing else', () => {
    expect(promotionTagRef('refs/heads/release/vote/v1.2.0')).toBe('refs/tags/vote/v1.2.0')
    expect(promotionTagRef('refs/tags/vote/v1.2.0')).toBeUndefined()
    expect(promotionTagRef('refs/heads/develop')).toBeUndefined()
    expect(() => promotionTagRef('refs/heads/release/x/v1..2')).toThrow(RefError)
  })
})
