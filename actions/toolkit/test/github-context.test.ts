import { describe, expect, it } from 'vitest'
import { isOwnerName, repositoryUrl, runUrl } from '../src/github-context'

const GITHUB = { GITHUB_SERVER_URL: 'https://github.com', GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '9001', GITHUB_RUN_ATTEMPT: '3' }
const GHES = { ...GITHUB, GITHUB_SERVER_URL: 'https://ghe.example/' }

describe('repositoryUrl', () => {
  it('joins the server and owner/name, without a doubled slash', () => {
    expect(repositoryUrl(GITHUB)).toBe('https://github.com/acme/shop')
    expect(repositoryUrl({ ...GITHUB, GITHUB_SERVER_URL: 'https://github.com//' })).toBe('https://github.com/acme/shop')
    expect(repositoryUrl(GHES)).toBe('https://ghe.example/acme/shop')
  })

  it('is undefined when the server or the repository is missing or empty', () => {
    expect(repositoryUrl({ GITHUB_REPOSITORY: 'acme/shop' })).toBeUndefined()
    expect(repositoryUrl({ GITHUB_SERVER_URL: 'https://github.com' })).toBeUndefined()
    expect(repositoryUrl({ ...GITHUB, GITHUB_SERVER_URL: '' })).toBeUndefined()
    expect(repositoryUrl({ ...GITHUB, GITHUB_SERVER_URL: '/' })).toBeUndefined()
    expect(repositoryUrl({})).toBeUndefined()
  })
})

describe('runUrl', () => {
  it('names the run, and its attempt when asked', () => {
    expect(runUrl(GITHUB)).toBe('https://github.com/acme/shop/actions/runs/9001')
    expect(runUrl(GITHUB, { attempt: true })).toBe('https://github.com/acme/shop/actions/runs/9001/attempts/3')
    expect(runUrl(GHES, { attempt: true })).toBe('https://ghe.example/acme/shop/actions/runs/9001/attempts/3')
  })

  it('counts a missing attempt as the first', () => {
    expect(runUrl({ ...GITHUB, GITHUB_RUN_ATTEMPT: undefined }, { attempt: true })).toBe('https://github.com/acme/shop/actions/runs/9001/attempts/1')
    expect(runUrl({ ...GITHUB, GITHUB_RUN_ATTEMPT: '' }, { attempt: true })).toBe('https://github.com/acme/shop/actions/runs/9001/attempts/1')
  })

  it('is undefined without a run id or a repository URL', () => {
    expect(runUrl({ ...GITHUB, GITHUB_RUN_ID: '' })).toBeUndefined()
    expect(runUrl({ ...GITHUB, GITHUB_SERVER_URL: undefined }, { attempt: true })).toBeUndefined()
    expect(runUrl({ ...GITHUB, GITHUB_REPOSITORY: undefined })).toBeUndefined()
    expect(runUrl({})).toBeUndefined()
  })
})

describe('isOwnerName', () => {
  it('accepts one owner and one name', () => {
    for (const text of ['acme/shop', 'o/r', 'my-org/my.repo_1']) expect(isOwnerName(text), text).toBe(true)
  })

  it('rejects anything else', () => {
    for (const text of [undefined, '', 'acme', 'acme/', '/shop', 'acme/shop/x', 'ac me/shop', 'acme/shop\n', 'acme//shop']) {
      expect(isOwnerName(text), JSON.stringify(text)).toBe(false)
    }
  })
})
