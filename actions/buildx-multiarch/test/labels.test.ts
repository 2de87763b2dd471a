import { describe, expect, it } from 'vitest'
import { repositoryUrl } from '@aks-gitops/toolkit'
import { defaultTitle, ociLabels } from '../src/labels'

describe('ociLabels', () => {
  it('sets source, revision, version, created and title, and lets the user override them', () => {
    const labels = ociLabels(
      { source: 'https://github.com/acme/shop', revision: 'abc', version: '1.2.0-rc.3', created: '2026-01-02T03:04:05.000Z', title: 'vote' },
      { 'org.opencontainers.image.title': 'Vote UI', team: 'web' },
    )
    expect(labels).toEqual({
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.revision': 'abc',
      'org.opencontainers.image.version': '1.2.0-rc.3',
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.title': 'Vote UI',
      team: 'web',
    })
  })

  it('leaves out source and revision outside GitHub', () => {
    expect(Object.keys(ociLabels({ version: 'v', created: 'c', title: 't' }))).toEqual([
      'org.opencontainers.image.version',
      'org.opencontainers.image.created',
      'org.opencontainers.image.title',
    ])
  })

  it('derives the source URL and the title', () => {
    // The source label is the toolkit's repository URL.
    expect(repositoryUrl({ GITHUB_SERVER_URL: 'https://github.com/', GITHUB_REPOSITORY: 'acme/shop' })).toBe('https://github.com/acme/shop')
    expect(repositoryUrl({ GITHUB_REPOSITORY: 'acme/shop' })).toBeUndefined()
    expect(defaultTitle('shop/vote')).toBe('vote')
  })
})
