import { describe, expect, it } from 'vitest'
import { parseRepository } from '@aks-gitops/toolkit'
import { joinReference, referencesImage, repositoryText, shortDigest, updatedReference } from '../src/reference'

const DIGEST = `sha256:${'e'.repeat(64)}`

describe('references', () => {
  it('keeps the repository as written, telling a registry port from a tag', () => {
    expect(repositoryText('localhost:5000/vote')).toBe('localhost:5000/vote')
    expect(repositoryText('localhost:5000/vote:1.2')).toBe('localhost:5000/vote')
    expect(repositoryText(`vote:1@${DIGEST}`)).toBe('vote')
    expect(repositoryText(`127.0.0.1:5000/team/vote@${DIGEST}`)).toBe('127.0.0.1:5000/team/vote')
  })

  it('writes exactly the given components', () => {
    const image = parseRepository('vote')
    expect(updatedReference(`vote:1@${DIGEST}`, { image, tag: '2' })).toBe('vote:2')
    expect(updatedReference('vote:1', { image, digest: DIGEST })).toBe(`vote@${DIGEST}`)
    expect(updatedReference('vote:1', { image, tag: '2', newName: 'prod.io/vote' })).toBe('prod.io/vote:2')
    expect(joinReference('a', undefined, undefined)).toBe('a')
  })

  it('matches by normalised repository, never placeholders', () => {
    const redis = parseRepository('docker.io/library/redis')
    expect(referencesImage('redis:7', redis)).toBe(true)
    expect(referencesImage('index.docker.io/library/redis', redis)).toBe(true)
    expect(referencesImage('myacr.azurecr.io/redis:7', redis)).toBe(false)
    expect(referencesImage('${IMAGE}', redis)).toBe(false)
    expect(shortDigest(DIGEST)).toBe('sha256:eeeeeeeeeeee…')
  })
})
