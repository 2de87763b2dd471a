import { describe, expect, it } from 'vitest'
import { commitShaExpected, isCommitSha } from '../src/commit-sha'

const hex = (n: number): string => 'abcdef0123456789'.repeat(5).slice(0, n)
const sha1 = hex(40)
const sha256 = sha1 + hex(24)

describe('isCommitSha', () => {
  it('accepts full SHA-1 and SHA-256 names only, by default', () => {
    expect(isCommitSha(sha1)).toBe(true)
    expect(isCommitSha(sha256)).toBe(true)
    for (const n of [0, 6, 7, 39, 41, 50, 63, 65]) expect(isCommitSha(hex(n))).toBe(false)
  })

  it('rejects what is not lowercase hex unless anyCase', () => {
    expect(isCommitSha(sha1.toUpperCase())).toBe(false)
    expect(isCommitSha(sha1.toUpperCase(), { anyCase: true })).toBe(true)
    for (const text of [`${sha1.slice(1)}g`, ` ${sha1.slice(1)}`, `${sha1}\n`, 'HEAD', '']) {
      expect(isCommitSha(text, { anyCase: true, abbreviated: true })).toBe(false)
    }
  })

  it('abbreviated accepts every length from 7 up to the longest full name', () => {
    expect(isCommitSha(hex(6), { abbreviated: true })).toBe(false)
    for (const n of [7, 12, 40, 41, 63, 64]) expect(isCommitSha(hex(n), { abbreviated: true })).toBe(true)
    expect(isCommitSha(hex(65), { abbreviated: true })).toBe(false)
  })

  it('sha1Only stops at 40 digits', () => {
    expect(isCommitSha(sha1, { sha1Only: true })).toBe(true)
    expect(isCommitSha(sha256, { sha1Only: true })).toBe(false)
    expect(isCommitSha(hex(40), { sha1Only: true, abbreviated: true })).toBe(true)
    expect(isCommitSha(hex(41), { sha1Only: true, abbreviated: true })).toBe(false)
  })
})

describe('commitShaExpected', () => {
  it('says what each choice accepts', () => {
    expect(commitShaExpected()).toBe('40 or 64 lowercase hex digits')
    expect(commitShaExpected({ sha1Only: true })).toBe('40 lowercase hex digits')
    expect(commitShaExpected({ abbreviated: true })).toBe('7 to 64 lowercase hex digits')
    expect(commitShaExpected({ abbreviated: true, anyCase: true })).toBe('7 to 64 hex digits')
    expect(commitShaExpected({ abbreviated: true, sha1Only: true })).toBe('7 to 40 lowercase hex digits')
  })
})
