import { describe, expect, it } from 'vitest'
import { DEFAULT_PLATFORMS, formatPlatform, isAttestationPlatform, missingPlatforms, normalisedPlatform, normalisePlatform, parsePlatform, parsePlatforms, platformKey } from '../src/platforms'

describe('platforms', () => {
  it('defaults to amd64 and arm64 Linux, already in their normal form', () => {
    expect(DEFAULT_PLATFORMS).toEqual(['linux/amd64', 'linux/arm64'])
    expect(parsePlatforms(DEFAULT_PLATFORMS).map(formatPlatform)).toEqual(DEFAULT_PLATFORMS)
  })
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/arm64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/aarch64', 'linux/arm64'],
    ['Linux/X86_64', 'linux/amd64'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/v6', 'linux/arm/v6'],
  ])('normalises %s to %s', (input, expected) => {
    expect(formatPlatform(parsePlatform(input))).toBe(expected)
  })
  it.each(['linux', 'amd64', 'linux/', 'plan9/amd64', 'linux/sparc', 'linux/arm/x7', 'linux/arm64/v8/x'])('rejects %s', (input) => {
    expect(() => parsePlatform(input)).toThrow(/platform|unknown/)
  })
  it('dedupes and finds missing platforms', () => {
    const list = parsePlatforms(['linux/amd64', 'linux/x86_64', 'linux/arm64'])
    expect(list.map(formatPlatform)).toEqual(['linux/amd64', 'linux/arm64'])
    expect(missingPlatforms(list, parsePlatforms(['linux/amd64'])).map(formatPlatform)).toEqual(['linux/arm64'])
  })
  it('recognises attestation manifests', () => {
    expect(isAttestationPlatform({ os: 'unknown', architecture: 'unknown' })).toBe(true)
    expect(isAttestationPlatform({ os: 'linux', architecture: 'amd64' })).toBe(false)
  })
})

describe('normalisePlatform', () => {
  it('normalises what an index entry or image config says, and keeps what it does not know', () => {
    expect(normalisePlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toBe('linux/arm64')
    expect(normalisePlatform({ os: 'linux', architecture: 'aarch64' })).toBe('linux/arm64')
    expect(normalisePlatform({ os: 'linux', architecture: 'arm' })).toBe('linux/arm/v7')
    expect(normalisePlatform({ os: 'plan9', architecture: 'amd64' })).toBe('plan9/amd64')
  })
})

describe('normalisedPlatform', () => {
  it('is normalisePlatform as a Platform', () => {
    expect(normalisedPlatform({ os: 'linux', architecture: 'aarch64' })).toEqual({ os: 'linux', architecture: 'arm64' })
    expect(normalisedPlatform({ os: 'linux', architecture: 'arm64', variant: 'v8' })).toEqual({ os: 'linux', architecture: 'arm64' })
    expect(normalisedPlatform({ os: 'unknown', architecture: 'unknown' })).toEqual({ os: 'unknown', architecture: 'unknown' })
  })
})

describe('platformKey', () => {
  it('spells a platform for tags, scopes and directory names', () => {
    expect(platformKey({ os: 'linux', architecture: 'arm64' })).toBe('linux-arm64')
    expect(platformKey({ os: 'linux', architecture: 'arm', variant: 'v7' })).toBe('linux-arm-v7')
  })
})
