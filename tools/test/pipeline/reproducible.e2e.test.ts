// Same commit, same image (issue #14, item 8), as a user meets it: `pnpm pipeline vote --ref
// develop` twice on one commit with the build cache of the engine it used pruned in between. The
// pipeline builds on tools/engine/next-engine.sh by default, whose BuildKit honours
// SOURCE_DATE_EPOCH and rewrite-timestamp=true as BuildKit documents them
// (https://github.com/moby/buildkit/blob/master/docs/build-repro.md), so the second cold build
// publishes the index the first one did, and bump-manifest finds nothing to change. On the default
// engine (dockerd 20.10, `--engine default`) the image configs' creation times differ and both fail.
// Slow (two cold builds of both platforms, arm64 under QEMU): one service, one commit.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { git } from '@aks-gitops/test-support/repo'
import { gitopsGit, inspectImage, runPipeline, type PipelineRun } from './e2e-helpers'

const stateDir = mkdtempSync(join(tmpdir(), 'pipeline-repro-e2e-'))
const namespace = `repro-${process.pid}-${Date.now().toString(36)}`
const staging = `127.0.0.1:5000/${namespace}`
// A clone of the committed HEAD: the shared work tree's uncommitted edits cannot reach the image.
const source = join(stateDir, 'source')
let commit = ''
let dockerHost = ''

interface LastRun {
  options: { engine: string }
  results: { digest?: string; builtDigest?: string; manifestCommit?: string; previousCommit?: string }[]
}

function pruneBuildCache(): void {
  execFileSync('docker', ['builder', 'prune', '--all', '--force'], { stdio: 'ignore', env: { ...process.env, DOCKER_HOST: dockerHost } })
}

/** One cold develop run of the clone's commit: the build cache pruned first. */
function coldDevelopRun(): { run: PipelineRun; last: LastRun } {
  pruneBuildCache()
  const run = runPipeline(stateDir, ['vote', '--ref', 'develop', '--no-test', '--source', source, '--commit', commit, '--registry', staging, '--production-registry', `127.0.0.1:5001/${namespace}`])
  const last = JSON.parse(readFileSync(join(stateDir, 'last-run-vote.json'), 'utf8')) as LastRun
  return { run, last }
}

describe('pnpm pipeline vote --ref develop, twice on one commit with the build cache pruned between', { timeout: 30 * 60_000 }, () => {
  let first: { run: PipelineRun; last: LastRun }
  let second: { run: PipelineRun; last: LastRun }
  let commitsAfterFirst = ''

  beforeAll(() => {
    git(stateDir, 'clone', '--quiet', REPO_ROOT, source)
    commit = git(source, 'rev-parse', 'HEAD')
    // The engine the pipeline starts by default (idempotent: the same socket when it runs already).
    const out = execFileSync('bash', [join(REPO_ROOT, 'tools/engine/next-engine.sh'), 'start'], { encoding: 'utf8' })
    dockerHost = /DOCKER_HOST=(\S+)/.exec(out)?.[1] ?? ''
    first = coldDevelopRun()
    commitsAfterFirst = first.run.status === 0 ? gitopsGit(stateDir, 'rev-list', '--count', 'main') : ''
    second = coldDevelopRun()
  }, 30 * 60_000)
  afterAll(() => rmSync(stateDir, { recursive: true, force: true }))

  it('builds on the next engine, the one whose cache was pruned', () => {
    expect(dockerHost).toMatch(/^unix:\/\/.*\/next-engine\/docker\.sock$/)
    for (const { run, last } of [first, second]) {
      expect(run.status, run.output).toBe(0)
      expect(last.options.engine).toBe('next')
      expect(run.output).toContain(`engine     next engine, dockerd 26.`)
      expect(run.output).toContain(`at ${dockerHost}`)
    }
  })

  it('publishes the same index digest twice, and sha-<7> still names it', () => {
    const digest = first.last.results[0]?.digest ?? ''
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    expect(second.last.results[0]?.digest).toBe(digest)
    expect(inspectImage(`${staging}/vote:sha-${commit.slice(0, 7)}`).digest).toBe(digest)
  })

  it('makes a manifest commit the first time only: the second finds nothing to change', () => {
    const made = first.last.results[0]?.manifestCommit ?? ''
    expect(made).not.toBe(first.last.results[0]?.previousCommit)
    expect(commitsAfterFirst).toBe('2') // seed + the develop deploy
    expect(second.run.output).toMatch(/already deployed: no change/)
    expect(second.last.results[0]?.manifestCommit).toBe(made)
    expect(gitopsGit(stateDir, 'rev-list', '--count', 'main')).toBe('2')
  })
})
