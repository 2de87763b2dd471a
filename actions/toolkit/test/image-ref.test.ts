import { describe, expect, it } from 'vitest'
import {
  digestProblem,
  familiarReference,
  formatImageReference,
  isValidTag,
  parseImageReference,
  parseRepository,
  sameRepository,
  tryParseImageReference,
} from '../src/image-ref'

const SHA = 'sha256:' + 'a'.repeat(64)

describe('parseImageReference', () => {
  it.each([
    ['redis', { registry: 'docker.io', repository: 'library/redis' }],
    ['redis:7', { registry: 'docker.io', repository: 'library/redis', tag: '7' }],
    ['docker.io/redis', { registry: 'docker.io', repository: 'library/redis' }],
    ['index.docker.io/library/redis', { registry: 'docker.io', repository: 'library/redis' }],
    ['bitnami/redis', { registry: 'docker.io', repository: 'bitnami/redis' }],
    ['myacr.azurecr.io/vote', { registry: 'myacr.azurecr.io', repository: 'vote' }],
    ['myacr.azurecr.io/team/app/vote:1.2.3-rc.4', { registry: 'myacr.azurecr.io', repository: 'team/app/vote', tag: '1.2.3-rc.4' }],
    ['localhost:5000/vote', { registry: 'localhost:5000', repository: 'vote' }],
    ['localhost/vote', { registry: 'localhost', repository: 'vote' }],
    ['127.0.0.1:5000/a/b:t', { registry: '127.0.0.1:5000', repository: 'a/b', tag: 't' }],
    ['[::1]:5000/vote', { registry: '[::1]:5000', repository: 'vote' }],
    [`vote@${SHA}`, { registry: 'docker.io', repository: 'library/vote', digest: SHA }],
    [`r.io/vote:1@${SHA}`, { registry: 'r.io', repository: 'vote', tag: '1', digest: SHA }],
    ['a/b__c.d-e---f', { registry: 'docker.io', repository: 'a/b__c.d-e---f' }],
  ])('parses %s', (input, expected) => {
    expect(parseImageReference(input)).toEqual(expected)
  })

  it.each([
    ['', /empty/],
    ['Vote', /must be lowercase/],
    ['r.io/Vote', /must be lowercase/],
    ['r.io/vote:', /tag "" is not valid/],
    ['r.io/vote:-bad', /tag "-bad" is not valid/],
    ['r.io/vote:' + 'a'.repeat(129), /is not valid/],
    ['r.io/vote:a;rm -rf', /white space/],
    ['r.io/vote:a;rm', /tag "a;rm" is not valid/],
    ['r.io/vote@sha256:abc', /64 hex characters, got 3/],
    ['r.io/vote@sha256:' + 'A'.repeat(64), /lowercase hexadecimal/],
    ['r.io/vote@md5:' + 'a'.repeat(32), /unsupported digest algorithm/],
    ['r.io//vote', /empty component/],
    ['r.io/../vote', /not a valid repository path component/],
    ['r.io/vote_', /not a valid repository path component/],
    ['-r.io/vote', /not a valid registry host/],
    ['r.io:port/vote', /not a valid registry host/],
    ['a'.repeat(64), /image ID/],
    [':tag', /repository name is missing/],
  ])('rejects %j', (input, message) => {
    expect(() => parseImageReference(input)).toThrow(message)
  })

  it('rejects names over 255 characters', () => {
    expect(() => parseImageReference('r.io/' + 'a'.repeat(251))).toThrow(/longer than 255/)
  })
})

describe('tryParseImageReference', () => {
  it('reads what parseImageReference reads', () => {
    expect(tryParseImageReference(`127.0.0.1:5000/ns/vote:1.0.0-rc.1@${SHA}`)).toEqual({ registry: '127.0.0.1:5000', repository: 'ns/vote', tag: '1.0.0-rc.1', digest: SHA })
    expect(tryParseImageReference('redis')).toEqual({ registry: 'docker.io', repository: 'library/redis' })
  })
  it.each(['${IMAGE}', '', 'Vote:1', 'r.io/vote@sha256:abc'])('is undefined for %j, which is no reference', (text) => {
    expect(tryParseImageReference(text)).toBeUndefined()
  })
})

describe('tags and digests', () => {
  it('accepts tags of 1 to 128 characters from the tag alphabet', () => {
    expect(isValidTag('v1.2.3_rc-1')).toBe(true)
    expect(isValidTag('a'.repeat(128))).toBe(true)
    expect(isValidTag('a'.repeat(129))).toBe(false)
    expect(isValidTag('.hidden')).toBe(false)
    expect(isValidTag('../x')).toBe(false)
    expect(isValidTag('a b')).toBe(false)
    expect(isValidTag('$(id)')).toBe(false)
  })
  it('checks digest algorithm and length', () => {
    expect(digestProblem(SHA)).toBeUndefined()
    expect(digestProblem('sha512:' + 'b'.repeat(128))).toBeUndefined()
    expect(digestProblem('sha512:' + 'b'.repeat(64))).toMatch(/128 hex/)
    expect(digestProblem('deadbeef')).toMatch(/algorithm:hex/)
  })
})

describe('formatting and comparison', () => {
  it('round-trips the normalised form', () => {
    const ref = parseImageReference(`myacr.azurecr.io/vote:1.0.0@${SHA}`)
    expect(formatImageReference(ref)).toBe(`myacr.azurecr.io/vote:1.0.0@${SHA}`)
    expect(formatImageReference(parseImageReference('redis'))).toBe('docker.io/library/redis')
  })
  it('gives the familiar form for Docker Hub images', () => {
    expect(familiarReference(parseImageReference('docker.io/library/redis:7'))).toBe('redis:7')
    expect(familiarReference(parseImageReference('bitnami/redis'))).toBe('bitnami/redis')
    expect(familiarReference(parseImageReference('r.io/redis'))).toBe('r.io/redis')
  })
  it('compares repositories after normalisation', () => {
    expect(sameRepository(parseImageReference('redis:7'), parseImageReference('docker.io/library/redis@' + SHA))).toBe(true)
    expect(sameRepository(parseImageReference('r.io/vote'), parseImageReference('r.io/vote2'))).toBe(false)
  })
  it('parseRepository refuses a tag or digest', () => {
    expect(() => parseRepository('r.io/vote:1')).toThrow(/repository only/)
    expect(parseRepository('r.io/vote').repository).toBe('vote')
  })
})
