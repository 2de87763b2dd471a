// The verdicts on GitHub's refusals, with the bodies GitHub sends (see github-errors.ts for sources).
import { describe, expect, it } from 'vitest'
import { autoMergeRefusal, graphqlMessages, isTransientGitHubFailure, pullRequestCreateRefusal, refUpdateFailure, restErrorMessages, restFailure } from '../src/github-errors'

describe('narrowing Octokit errors', () => {
  it('takes the status and GitHub\'s own message of a REST error, the message of anything else', () => {
    const requestError = Object.assign(new Error('Update is not a fast forward - https://docs.github.com/rest'), {
      status: 422,
      response: { data: { message: 'Update is not a fast forward', documentation_url: 'https://docs.github.com/rest' } },
    })
    expect(restFailure(requestError)).toEqual({ status: 422, message: 'Update is not a fast forward' })
    expect(restFailure(new Error('socket hang up'))).toEqual({ status: 0, message: 'socket hang up' })
    expect(restFailure('plain')).toEqual({ status: 0, message: 'plain' })
  })

  it('takes every GraphQL error message, or the message of anything else', () => {
    const graphqlError = Object.assign(new Error('Request failed due to following response errors'), { errors: [{ message: 'first' }, { message: 'second' }] })
    expect(graphqlMessages(graphqlError)).toEqual(['first', 'second'])
    expect(graphqlMessages(new Error('Bad credentials'))).toEqual(['Bad credentials'])
  })
})

describe('refUpdateFailure (PATCH /git/refs/heads/{branch})', () => {
  it('retries "Update is not a fast forward", and a 5xx or 429 as transient', () => {
    expect(refUpdateFailure(422, 'Update is not a fast forward')).toBe('non-fast-forward')
    // POST /git/refs of pull-request mode's branch that another run created first.
    expect(refUpdateFailure(422, 'Reference already exists')).toBe('non-fast-forward')
    // The ref may have moved before the answer was lost: publish() looks for the commit first.
    expect(refUpdateFailure(502, 'Server Error')).toBe('transient')
    expect(refUpdateFailure(500, 'Server Error')).toBe('transient')
    expect(refUpdateFailure(429, 'API rate limit exceeded')).toBe('transient')
  })

  it('retries a 408 as transient too: the toolkit\'s one rule for statuses', () => {
    expect(refUpdateFailure(408, 'Server Error')).toBe('transient')
    expect(refUpdateFailure(400, 'Bad Request')).toBe('other')
  })

  it.each([
    [422, 'Repository rule violations found\n\nChanges must be made through a pull request.\n\n', 'protected-branch'],
    [422, 'Repository rule violations found\n\nCommits must have verified signatures.\n\n', 'protected-branch'],
    [422, 'Reference cannot be updated', 'protected-branch'],
    [422, 'GH013: Repository rule violations found for refs/heads/main.', 'protected-branch'],
    [409, 'Git Repository is empty.', 'other'],
    [403, 'Resource not accessible by integration', 'authentication'],
    [404, 'Not Found', 'authentication'],
    [422, 'Object does not exist', 'other'],
  ] as const)('does not retry HTTP %i "%s"', (status, message, kind) => {
    expect(refUpdateFailure(status, message)).toBe(kind)
  })
})

describe('autoMergeRefusal (enablePullRequestAutoMerge)', () => {
  it.each([
    ['Pull request Auto merge is not allowed for this repository', 'not-allowed'],
    ['Auto merge is not allowed for this repository', 'not-allowed'],
    ['Pull request Pull request is in clean status', 'already-mergeable'],
    ['Pull request Pull request is in unstable status', 'already-mergeable'],
    ['Pull request Protected branch rules not configured for this branch', 'already-mergeable'],
    ["Can't enable auto-merge for this pull request.", 'already-mergeable'],
  ] as const)('"%s" leaves the pull request open: %s', (message, refusal) => {
    expect(autoMergeRefusal(message)).toBe(refusal)
  })

  it.each(['Resource not accessible by integration', 'Pull request Merge method squash merging is not allowed on this repository', 'Bad credentials'])(
    '"%s" is a configuration error, not a repository state',
    (message) => {
      expect(autoMergeRefusal(message)).toBeUndefined()
    },
  )
})

describe('pullRequestCreateRefusal (POST /repos/{owner}/{repo}/pulls)', () => {
  // The bodies GitHub sends (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request: 403, 422).
  const documentation_url = 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request'
  const requestError = (status: number, data: Record<string, unknown>) => Object.assign(new Error(String(data.message)), { status, response: { data } })

  it('finds "A pull request already exists" in the errors of 422 Validation Failed', () => {
    const error = requestError(422, {
      message: 'Validation Failed',
      errors: [{ resource: 'PullRequest', code: 'custom', message: 'A pull request already exists for octo:bump-manifest/main/vote.' }],
      documentation_url,
      status: '422',
    })
    expect(restErrorMessages(error)).toEqual(['A pull request already exists for octo:bump-manifest/main/vote.'])
    const { status, message } = restFailure(error)
    expect(pullRequestCreateRefusal(status, message, restErrorMessages(error))).toBe('already-exists')
  })

  it.each([
    [403, 'GitHub Actions is not permitted to create or approve pull requests.', 'actions-not-permitted'],
    [403, 'Resource not accessible by integration', 'no-permission'],
  ] as const)('sorts 403 "%s"', (status, message, verdict) => {
    const error = requestError(status, { message, documentation_url, status: String(status) })
    expect(pullRequestCreateRefusal(status, restFailure(error).message, restErrorMessages(error))).toBe(verdict)
  })

  it('leaves every other refusal to the caller', () => {
    const noHead = requestError(422, { message: 'Validation Failed', errors: [{ resource: 'PullRequest', field: 'head', code: 'invalid' }], documentation_url })
    expect(restErrorMessages(noHead)).toEqual([])
    expect(pullRequestCreateRefusal(422, 'Validation Failed', restErrorMessages(noHead))).toBeUndefined()
    expect(pullRequestCreateRefusal(404, 'Not Found', [])).toBeUndefined()
    expect(restErrorMessages(new Error('socket hang up'))).toEqual([])
  })
})

describe('isTransientGitHubFailure', () => {
  it('is the toolkit\'s status rule (408, 429, 5xx) or a network error without an answer', () => {
    for (const status of [408, 429, 500, 502, 503, 504]) expect(isTransientGitHubFailure(status, undefined)).toBe(true)
    for (const status of [0, 400, 401, 403, 404, 409, 422]) expect(isTransientGitHubFailure(status, undefined)).toBe(false)
    expect(isTransientGitHubFailure(0, Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true)
    expect(isTransientGitHubFailure(0, Object.assign(new Error('getaddrinfo ENOTFOUND api.github.com'), { code: 'ENOTFOUND' }))).toBe(false)
  })
})
