// Every manifest commit carries the deploy trailers, whichever way it lands (git push, the Git
// Data API, a pull request's branch). Each test reads the real commit back from the bare remote and
// parses its message with git's own parser, `git interpret-trailers --parse`.
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { TRAILER } from '../src/message'
import { parseTrailerLines } from '../src/trailers'
import { startFakeGitHub, type FakeGitHub } from './helpers/fake-github'
import { digestOf, git, kustomization, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const OVERLAY = 'k8s-specifications/overlays/staging/kustomization.yaml'
const TOKEN = 'ghs_TrailerT0kenForTheApiTests'
const SOURCE = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678'
const RUN_ENV = {
  GITHUB_SHA: SOURCE,
  GITHUB_REF: 'refs/heads/release/vote/v1.2.0',
  GITHUB_SERVER_URL: 'https://github.example',
  GITHUB_REPOSITORY: 'octo/gitops',
  GITHUB_RUN_ID: '987654321',
}

let box: Sandbox | undefined
let api: FakeGitHub | undefined
afterEach(async () => {
  await api?.close()
  box?.remove()
  api = box = undefined
})

/** The trailers of a commit of the remote, as git parses them. */
function trailersOf(remote: string, commit: string): Map<string, string[]> {
  const message = git(remote, 'log', '-1', '--format=%B', commit)
  const parsed = execFileSync('git', ['interpret-trailers', '--parse'], { cwd: remote, input: `${message}\n`, encoding: 'utf8' })
  return parseTrailerLines(parsed)
}

const digest = digestOf('vote-1.2.0-rc.3')
const inputs = { files: OVERLAY, image: `${REGISTRY}/vote`, tag: '1.2.0-rc.3', digest, environment: 'staging', platforms: 'linux/amd64,linux/arm64' }

function expectDeployTrailers(trailers: Map<string, string[]>): void {
  expect(Object.fromEntries(trailers)).toEqual({
    'Bumped-by': ['bump-manifest'],
    'Source-Commit': [SOURCE],
    'Source-Ref': ['refs/heads/release/vote/v1.2.0'],
    Image: [`${REGISTRY}/vote:1.2.0-rc.3`],
    'Image-Digest': [digest],
    Platforms: ['linux/amd64,linux/arm64'],
    'Previous-Image': [`${REGISTRY}/vote:1.0.0`],
    'Workflow-Run': ['https://github.example/octo/gitops/actions/runs/987654321'],
  })
}

describe('deploy trailers', () => {
  it('are on a pushed commit, and git log --format=%(trailers) reads them as the history', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote', 'result']) })
    const run = await runBump(box.clone(), inputs, RUN_ENV)
    expect(run.errors).toEqual([])
    const head = box.remoteHead()
    const trailers = trailersOf(box.remote, head)
    expectDeployTrailers(trailers)
    expect(git(box.remote, 'log', '-1', `--format=%(trailers:key=Image-Digest,valueonly)`, head)).toBe(digest)
    expect(git(box.remote, 'log', '-1', '--format=%B', head)).toContain(`\n\n${TRAILER}\nSource-Commit: ${SOURCE}\n`)
  })

  it('take source-commit and source-ref from their inputs over GITHUB_SHA/GITHUB_REF, and leave out what is unknown', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const other = 'f'.repeat(40)
    const run = await runBump(box.clone(), { files: OVERLAY, image: `${REGISTRY}/vote`, tag: '2.0.0', 'source-commit': other, 'source-ref': 'refs/tags/vote/v2.0.0' }, { ...RUN_ENV, GITHUB_RUN_ID: '' })
    expect(run.errors).toEqual([])
    const trailers = trailersOf(box.remote, box.remoteHead())
    expect(trailers.get('Source-Commit')).toEqual([other])
    expect(trailers.get('Source-Ref')).toEqual(['refs/tags/vote/v2.0.0'])
    expect(trailers.has('Platforms')).toBe(false)
    expect(trailers.has('Workflow-Run')).toBe(false)
    expect(trailers.has('Image-Digest')).toBe(false)
  })

  it('refuses a source-commit that is not a SHA, changing nothing', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote']) })
    const before = box.remoteHead()
    const run = await runBump(box.clone(), { ...inputs, 'source-commit': 'main' }, RUN_ENV)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toEqual(['Input "source-commit": "main" is not a commit SHA (expected 7 to 64 lowercase hex digits)'])
    expect(box.remoteHead()).toBe(before)
  })

  it('are on a commit made through the Git Data API and on a pull request branch', async () => {
    box = sandbox({ [OVERLAY]: kustomization(['vote', 'result']) })
    api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote })
    const env = { ...RUN_ENV, GITHUB_API_URL: api.url }
    const viaApi = await runBump(box.clone(), { ...inputs, token: TOKEN, 'commit-method': 'api' }, env)
    expect(viaApi.errors).toEqual([])
    expectDeployTrailers(trailersOf(box.remote, box.remoteHead()))

    const pr = await runBump(box.clone(), { ...inputs, image: `${REGISTRY}/result`, tag: '3.1.0', digest: '', token: TOKEN, 'pull-request': 'true' }, env)
    expect(pr.errors).toEqual([])
    const branch = 'bump-manifest/main/result-staging'
    const trailers = trailersOf(box.remote, box.remoteHead(branch))
    expect(trailers.get('Image')).toEqual([`${REGISTRY}/result:3.1.0`])
    expect(trailers.get('Previous-Image')).toEqual([`${REGISTRY}/result:1.0.0`])
    expect(trailers.get('Workflow-Run')).toEqual(['https://github.example/octo/gitops/actions/runs/987654321'])
    // The pull request's body is the message after its subject, trailers included.
    expect(api.pulls[0]?.body).toContain(`Source-Commit: ${SOURCE}`)
  })
})
