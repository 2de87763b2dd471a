import { afterEach, describe, expect, it, vi } from 'vitest'
import { InputError } from '@aks-gitops/toolkit'
import { branchProblem, DEFAULT_AUTHOR, readSettings } from '../src/inputs'

const DIGEST = `sha256:${'c'.repeat(64)}`

function withInputs(inputs: Record<string, string>, env: Record<string, string> = {}) {
  for (const [name, value] of Object.entries(inputs)) vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
  return readSettings({ GITHUB_WORKSPACE: '/work/space', ...env })
}

const base = { files: 'k8s/*.yaml', image: 'myacr.azurecr.io/vote', tag: '1.2.3' }

function refusal(inputs: Record<string, string>, env: Record<string, string> = {}): InputError {
  try {
    withInputs(inputs, env)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return error as InputError
  }
  throw new Error('expected an InputError')
}

afterEach(() => vi.unstubAllEnvs())

describe('readSettings', () => {
  it('applies the defaults', () => {
    const settings = withInputs({ ...base, files: 'a.yaml, b.yaml\nc/*.yaml' })
    expect(settings).toMatchObject({
      workingDirectory: '/work/space',
      files: ['a.yaml', 'b.yaml', 'c/*.yaml'],
      image: { registry: 'myacr.azurecr.io', repository: 'vote' },
      tag: '1.2.3',
      commit: true,
      push: true,
      remote: 'origin',
      author: DEFAULT_AUTHOR,
      maxAttempts: 5,
      pullRequest: false,
      commitMethod: 'git',
      dryRun: false,
      allowNoMatch: false,
      serverUrl: 'https://github.com',
      apiUrl: 'https://api.github.com',
    })
    expect(settings.autoMerge).toBeUndefined()
    expect(settings.branch).toBeUndefined()
    expect(settings.digest).toBeUndefined()
  })

  it('reads every optional input', () => {
    const settings = withInputs(
      {
        ...base,
        digest: DIGEST,
        'new-name': 'prodacr.azurecr.io/vote',
        container: 'vote',
        'yaml-path': 'image.tag=tag\nimage.digest=digest',
        'working-directory': 'deploy',
        branch: 'release/vote/v1.2.3',
        environment: 'production',
        'commit-message': 'deploy {name} {reference}',
        'author-name': 'Release Bot',
        'author-email': 'bot@example.com',
        token: 'secret',
        'max-attempts': '9',
        'pull-request': 'true',
        'pull-request-branch': 'bump/vote',
        'auto-merge': 'squash',
        'dry-run': 'true',
        'allow-no-match': 'true',
      },
      { GITHUB_REPOSITORY: 'octo/gitops', GITHUB_SERVER_URL: 'https://ghe.example.com', GITHUB_API_URL: 'https://ghe.example.com/api/v3' },
    )
    expect(settings).toMatchObject({
      digest: DIGEST,
      newName: 'prodacr.azurecr.io/vote',
      container: 'vote',
      workingDirectory: '/work/space/deploy',
      branch: 'release/vote/v1.2.3',
      environment: 'production',
      commitMessage: 'deploy {name} {reference}',
      author: { name: 'Release Bot', email: 'bot@example.com' },
      token: 'secret',
      maxAttempts: 9,
      pullRequest: true,
      pullRequestBranch: 'bump/vote',
      autoMerge: 'squash',
      dryRun: true,
      allowNoMatch: true,
      repository: 'octo/gitops',
      serverUrl: 'https://ghe.example.com',
      apiUrl: 'https://ghe.example.com/api/v3',
    })
    expect(settings.paths?.map((p) => [p.text, p.field])).toEqual([
      ['image.tag', 'tag'],
      ['image.digest', 'digest'],
    ])
  })

  it('reads commit-method api, and auto-merge off as off', () => {
    const env = { GITHUB_REPOSITORY: 'octo/gitops' }
    expect(withInputs({ ...base, 'commit-method': 'api', token: 't' }, env).commitMethod).toBe('api')
    expect(withInputs({ ...base, 'commit-method': 'api', token: 't', 'pull-request': 'true', 'auto-merge': 'rebase' }, env)).toMatchObject({ commitMethod: 'api', autoMerge: 'rebase' })
    expect(withInputs({ ...base, 'auto-merge': 'off' }, env).autoMerge).toBeUndefined()
  })

  it('needs GITHUB_REPOSITORY with commit-method api', () => {
    expect(refusal({ ...base, 'commit-method': 'api', token: 't' }).message).toMatch(/^Input "commit-method": "api" needs GITHUB_REPOSITORY/)
  })

  it('turns push off when commit is off', () => {
    expect(withInputs({ ...base, commit: 'false' }).push).toBe(false)
  })

  it.each([
    [{ files: '' }, 'files', /required/],
    [{ image: '' }, 'image', /required/],
    [{ image: 'MyAcr.azurecr.io/Vote' }, 'image', /lowercase/],
    [{ image: 'myacr.azurecr.io/vote:1.0' }, 'image', /without a tag or digest/],
    [{ tag: '' }, 'tag', /give a tag, a digest, or both/],
    [{ tag: '1.2.3; rm -rf /' }, 'tag', /not a valid tag/],
    [{ tag: '1.2 3' }, 'tag', /not a valid tag/],
    [{ tag: '../etc' }, 'tag', /not a valid tag/],
    [{ tag: '$(id)' }, 'tag', /not a valid tag/],
    [{ tag: 'a'.repeat(129) }, 'tag', /\(129 characters\)" is not a valid tag/],
    [{ digest: 'sha256:abc' }, 'digest', /64 hex characters, got 3/],
    [{ digest: `md5:${'a'.repeat(32)}` }, 'digest', /unsupported digest algorithm/],
    [{ digest: `sha256:${'A'.repeat(64)}` }, 'digest', /lowercase hexadecimal/],
    [{ 'new-name': 'not a repo' }, 'new-name', /white space/],
    [{ container: 'Vote_1' }, 'container', /not a container name/],
    [{ remote: '--upload-pack=evil' }, 'remote', /not a git remote name/],
    [{ branch: '-f' }, 'branch', /must not start with "-"/],
    [{ branch: 'a..b' }, 'branch', /\.\./],
    [{ 'max-attempts': '0' }, 'max-attempts', /out of range/],
    [{ 'max-attempts': 'many' }, 'max-attempts', /not a whole number/],
    [{ push: 'yes' }, 'push', /not a boolean/],
    [{ 'commit-message': 'deploy {image} [skip ci]' }, 'commit-message', /\[skip ci\].*manifest validation/],
    [{ 'commit-message': 'deploy {imgae}' }, 'commit-message', /unknown placeholder \{imgae\}/],
    [{ 'author-email': 'nobody' }, 'author-email', /not an e-mail/],
    [{ 'yaml-path': 'image.digest=digest' }, 'yaml-path', /no digest input/],
    [{ 'yaml-path': 'image..tag' }, 'yaml-path', /not a path/],
    [{ 'pull-request': 'true' }, 'token', /required in pull-request mode/],
    [{ 'pull-request': 'true', token: 't', push: 'false' }, 'pull-request', /needs commit and push/],
    [{ 'commit-method': 'rest' }, 'commit-method', /"rest" is not one of git, api/],
    [{ 'commit-method': 'api' }, 'token', /required with commit-method api/],
    [{ 'commit-method': 'api', token: 't', push: 'false' }, 'commit-method', /needs commit and push true/],
    [{ 'commit-method': 'api', token: 't', 'author-name': 'Release Bot' }, 'author-name', /GitHub signs a commit made through the API only without a custom author/],
    [{ 'auto-merge': 'fast-forward', 'pull-request': 'true', token: 't' }, 'auto-merge', /expected merge, squash or rebase/],
    [{ 'auto-merge': 'squash' }, 'auto-merge', /needs pull-request: true/],
  ])('refuses %o naming the input', (inputs, input, why) => {
    const error = refusal({ ...base, ...inputs }, { GITHUB_REPOSITORY: 'octo/gitops' })
    expect(error.input).toBe(input)
    expect(error.message).toMatch(why)
  })
})

describe('branchProblem', () => {
  it('accepts GitFlow branch names and refuses what git refuses', () => {
    for (const name of ['main', 'develop', 'release/vote/v1.2.3', 'bump-manifest/main/vote']) expect(branchProblem(name)).toBeUndefined()
    for (const name of ['a b', 'a~1', 'a^', 'a:b', 'a?', 'a*', 'a[', 'a\\b', 'a/', '/a', 'a.lock', 'a/.b', '@', 'a@{1}', 'a//b']) {
      expect(branchProblem(name), name).toBeDefined()
    }
  })
})
