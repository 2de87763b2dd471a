// The verdicts on GitHub's refusals, with the bodies GitHub sends (see github-errors.ts for sources).
import { describe, expect, it } from 'vitest'
import { autoMergeRefusal, refUpdateFailure } from '../src/github-errors'

describe('refUpdateFailure (PATCH /git/refs/heads/{branch})', () => {
  it('retries only "Update is not a fast forward"', () => {
    expect(refUpdateFailure(422, 'Update is not a fast forward')).toBe('non-fast-forward')
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
