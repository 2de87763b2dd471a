// The safe-deploy inputs (readDeploySettings): defaults from the run's environment, and one clear
// refusal per bad value.
import { afterEach, describe, expect, it, vi } from 'vitest'
import { InputError } from '@aks-gitops/toolkit'
import { readSettings } from '../src/inputs'

const SHA = 'a'.repeat(40)
const RUN = { GITHUB_WORKSPACE: '/work/space', GITHUB_SHA: SHA, GITHUB_REF: 'refs/heads/develop', GITHUB_SERVER_URL: 'https://ghe.example/', GITHUB_REPOSITORY: 'o/r', GITHUB_RUN_ID: '7', GITHUB_ACTOR: 'octocat' }
const base = { files: 'k8s/*.yaml', image: 'myacr.azurecr.io/team/vote', tag: '1.2.3' }

function withInputs(inputs: Record<string, string>, env: Record<string, string> = RUN) {
  for (const [name, value] of Object.entries(inputs)) vi.stubEnv(`INPUT_${name.toUpperCase()}`, value)
  return readSettings(env)
}

function refusal(inputs: Record<string, string>): string {
  try {
    withInputs(inputs)
  } catch (error) {
    expect(error).toBeInstanceOf(InputError)
    return (error as Error).message
  }
  throw new Error('expected an InputError')
}

afterEach(() => vi.unstubAllEnvs())

describe('deploy settings', () => {
  it('takes the source commit and ref, the run URL and the actor from the run; the service from the image', () => {
    expect(withInputs(base).deploy).toEqual({
      sourceCommit: SHA,
      sourceRef: 'refs/heads/develop',
      workflowRun: 'https://ghe.example/o/r/actions/runs/7',
      actor: 'octocat',
      platforms: [],
      allowDowngrade: false,
      releaseHold: false,
      supersedeHold: false,
      unknownOrder: 'deploy',
      previous: false,
      service: 'vote',
      stageSeconds: [],
    })
  })

  it('knows no source commit or ref for a deliberate redeploy unless it is given', () => {
    const redeploy = withInputs({ ...base, 'allow-downgrade': 'true' }).deploy
    expect(redeploy.sourceCommit).toBeUndefined()
    expect(redeploy.sourceRef).toBeUndefined()
    expect(withInputs({ ...base, 'allow-downgrade': 'true', 'source-commit': 'b'.repeat(40) }).deploy.sourceCommit).toBe('b'.repeat(40))
  })

  it('reads the other inputs', () => {
    const deploy = withInputs({ ...base, platforms: 'linux/amd64, linux/arm64', 'unknown-order': 'refuse', service: 'vote-api', 'stage-seconds': 'build=312\npublish=41.5', 'source-git-directory': 'src' }).deploy
    expect(deploy).toMatchObject({ platforms: ['linux/amd64', 'linux/arm64'], unknownOrder: 'refuse', service: 'vote-api', stageSeconds: [['build', 312], ['publish', 41.5]], sourceDirectory: '/work/space/src' })
  })

  it.each([
    [{ 'source-commit': 'HEAD' }, 'Input "source-commit": "HEAD" is not a commit SHA'],
    [{ platforms: 'linux' }, 'Input "platforms": '],
    [{ 'unknown-order': 'maybe' }, 'Input "unknown-order": "maybe" is not one of deploy, refuse'],
    [{ service: 'Vote!' }, 'Input "service": "Vote!" is not a service name'],
    [{ 'stage-seconds': 'build' }, 'Input "stage-seconds": "build" is not NAME=SECONDS'],
    [{ previous: 'true' }, 'Input "previous": takes the tag and digest from the history'],
    [{ 'allow-downgrade': 'yes' }, 'Input "allow-downgrade": "yes" is not a boolean'],
  ])('refuses %j', (inputs, message) => {
    expect(refusal({ ...base, ...inputs })).toContain(message)
  })

  // The toolkit's one rule for a service (repository-name.ts); the hold's annotation key ends with it.
  it('takes a service by the toolkit rule, up to the 63 characters an annotation key name allows', () => {
    for (const service of ['vote', 'vote__api', 'vote--api', 'a.b_c', 'a'.repeat(63)]) expect(withInputs({ ...base, service }).deploy.service).toBe(service)
    expect(refusal({ ...base, service: 'Vote' })).toBe(
      'Input "service": "Vote" is not a service name (expected one image repository path component: lowercase letters, digits, and . _ __ - between them, at most 63 characters)',
    )
    // Refused as before: uppercase, a leading dot or dash, a slash, longer than 63.
    for (const service of ['.vote', '-vote', 'team/vote', 'a'.repeat(64)]) expect(refusal({ ...base, service }), service).toContain(`"${service}" is not a service name`)
    // Accepted before the rule was shared; no image repository can be named so.
    for (const service of ['a..b', 'a.-b', 'a_.b', 'a___b']) expect(refusal({ ...base, service }), service).toContain(`"${service}" is not a service name`)
  })
})
