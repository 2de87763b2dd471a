// The one rule for a repository path component (the OCI Distribution Spec's <name>, one
// component of it) and for a service name (one component, at most 63 characters), at its
// boundaries. gitflow.ts, pipeline-plan.ts, redeploy-plan.ts, image-ref.ts, bump-manifest's
// service input and the local pipeline's --registry all answer with it.
import { describe, expect, it } from 'vitest'
import { isRepositoryComponent, isRepositoryPath, isServiceName, SERVICE_NAME_EXPECTED, SERVICE_NAME_MAX_LENGTH } from '../src/repository-name'

describe('isRepositoryComponent', () => {
  it.each(['vote', 'v', '0', 'vote-api', 'vote--api', 'vote---api', 'vote_api', 'vote__api', 'vote.api', 'a.b_c-d__e', 'x1-2.3'])('accepts %j', (text) => {
    expect(isRepositoryComponent(text)).toBe(true)
  })

  it.each([
    ['', 'empty'],
    ['Vote', 'uppercase'],
    ['voTe', 'uppercase'],
    ['.vote', 'a leading dot'],
    ['-vote', 'a leading dash'],
    ['_vote', 'a leading underscore'],
    ['vote.', 'a trailing dot'],
    ['vote-', 'a trailing dash'],
    ['vote_', 'a trailing underscore'],
    ['..', 'dots only'],
    ['a..b', 'two dots'],
    ['a___b', 'three underscores'],
    ['a.-b', 'two separators'],
    ['a_-b', 'two separators'],
    ['team/vote', 'a slash (two components)'],
    ['/vote', 'a slash'],
    ['vote:1', 'a colon'],
    ['vöte', 'a non-ASCII letter'],
    ['vote api', 'a space'],
  ])('refuses %j: %s', (text) => {
    expect(isRepositoryComponent(text)).toBe(false)
  })
})

describe('isRepositoryPath', () => {
  it('is components joined by one slash, each by the same rule', () => {
    for (const name of ['vote', 'team/vote', 'org/team_a/vote-api']) expect(isRepositoryPath(name), name).toBe(true)
    for (const name of ['', '/vote', 'vote/', 'team//vote', 'Team/vote', 'team/.vote', 'team/a..b']) expect(isRepositoryPath(name), name).toBe(false)
  })
})

describe('isServiceName', () => {
  it('is one repository path component', () => {
    for (const name of ['vote', 'result', 'worker', 'vote-api', 'vote__api', 'vote--api']) expect(isServiceName(name), name).toBe(true)
    for (const name of ['Vote', '.vote', '-vote', 'a..b', 'team/vote', '']) expect(isServiceName(name), name).toBe(false)
  })

  it('has at most 63 characters, the name part of a Kubernetes annotation key', () => {
    expect(SERVICE_NAME_MAX_LENGTH).toBe(63)
    expect(isServiceName('a'.repeat(63))).toBe(true)
    expect(isServiceName(`${'a'.repeat(31)}-${'b'.repeat(31)}`)).toBe(true)
    expect(isServiceName('a'.repeat(64))).toBe(false)
    expect(isRepositoryComponent('a'.repeat(64))).toBe(true)
  })

  it('says what is expected', () => {
    expect(SERVICE_NAME_EXPECTED).toBe('one image repository path component: lowercase letters, digits, and . _ __ - between them, at most 63 characters')
  })
})
