import { describe, expect, it } from 'vitest'
import { promotionTagRef } from '@aks-gitops/toolkit'
import { parseOptions, qualifyRef, UsageError, type PipelineOptions } from '../../pipeline/options'
import { planEvents } from '../../pipeline/plan'
import { buildInCaller, pathsInCaller, serviceBuild, servicePaths } from '../../pipeline/service-paths'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { parseWorkflow } from '../../src/workflows/load'

const SHA = '0123456789abcdef0123456789abcdef01234567'

function options(argv: string[]): PipelineOptions {
  const parsed = parseOptions(argv)
  if (parsed === 'help') throw new Error('unexpected help')
  return parsed
}

describe('parseOptions', () => {
  it('defaults to a release branch of the service, deployed to staging on the local registries', () => {
    expect(options(['vote'])).toEqual({
      service: 'vote',
      ref: 'refs/heads/release/vote/v1.0.0',
      env: 'staging',
      registry: '127.0.0.1:5000',
      productionRegistry: '127.0.0.1:5001',
      remote: '',
      branch: 'main',
      commit: 'HEAD',
      source: '',
      runTests: true,
      audit: true,
      auditLevel: '',
      engine: 'next',
    })
  })
  it('builds on the next engine unless --engine or PIPELINE_ENGINE says default; --engine wins', () => {
    expect(parseOptions(['vote', '--engine', 'default'])).toMatchObject({ engine: 'default' })
    expect(parseOptions(['vote'], { PIPELINE_ENGINE: 'default' })).toMatchObject({ engine: 'default' })
    expect(parseOptions(['vote', '--engine=next'], { PIPELINE_ENGINE: 'default' })).toMatchObject({ engine: 'next' })
    expect(parseOptions(['vote'], { PIPELINE_ENGINE: '' })).toMatchObject({ engine: 'next' })
    expect(() => parseOptions(['vote'], { PIPELINE_ENGINE: 'podman' })).toThrow('PIPELINE_ENGINE must be next or default, not "podman"')
  })
  it('qualifies short refs: tags of the service, branches otherwise', () => {
    expect(qualifyRef('vote/v1.2.3', 'vote')).toBe('refs/tags/vote/v1.2.3')
    expect(qualifyRef('develop', 'vote')).toBe('refs/heads/develop')
    expect(qualifyRef('feature/x', 'vote')).toBe('refs/heads/feature/x')
    expect(qualifyRef('refs/pull/3/merge', 'vote')).toBe('refs/pull/3/merge')
    expect(options(['result', '--ref', 'result/v2.0.0']).env).toBe('production')
  })
  it('reads --opt value and --opt=value forms', () => {
    const o = options(['worker', '--registry=myacr.azurecr.io/team', '--remote', '/tmp/r.git', '--no-test', '--branch', 'gitops'])
    expect(o).toMatchObject({ registry: 'myacr.azurecr.io/team', remote: '/tmp/r.git', runTests: false, branch: 'gitops' })
  })
  it('takes a registry that prefixes the image as image-ref.ts reads it: host[:port], then repository path components', () => {
    for (const registry of ['127.0.0.1:5000', 'localhost:5000/ci-1', 'myacr.azurecr.io/team/sub', 'r.io/team__a/b--c', '[::1]:5000/x', 'MyACR.azurecr.io']) {
      expect(options(['vote', '--registry', registry, '--production-registry', registry]).registry).toBe(registry)
    }
    // Accepted by the pattern before the rule was shared: namespace components no registry takes,
    // a host with a dash at an end, and a bare name Docker reads as a Docker Hub namespace.
    for (const registry of ['r.io/.team', 'r.io/team-', 'r.io/a..b', 'r.io/-', '-r.io', 'myacr', 'myacr/team']) {
      expect(() => parseOptions(['vote', '--registry', registry]), registry).toThrow(`--registry "${registry}" is not a registry host[:port][/namespace] (each namespace component: lowercase letters, digits, and . _ __ - between them)`)
    }
    for (const registry of ['r.io/Team', 'r.io//x', 'r.io/x/', 'r.io:port', 'r.io/x:1', 'r.io/x@sha256:' + 'a'.repeat(64)]) {
      expect(() => parseOptions(['vote', '--production-registry', registry]), registry).toThrow(/is not a registry host/)
    }
  })
  it.each([
    [[], /exactly one service/],
    [['vote', 'result'], /exactly one service/],
    [['web'], /unknown service "web"/],
    [['vote', '--bogus'], /unknown option --bogus/],
    [['vote', '--ref'], /--ref needs a value/],
    [['vote', '--env', 'qa'], /staging or production/],
    [['vote', '--env', 'production', '--ref', 'develop'], /needs a release ref/],
    [['vote', '--registry', 'http://x'], /not a registry/],
    [['vote', '--engine', 'newest'], /--engine must be next or default, not "newest"/],
  ])('refuses %j', (argv, message) => {
    expect(() => parseOptions(argv)).toThrow(UsageError)
    expect(() => parseOptions(argv)).toThrow(message)
  })
  it('answers --help', () => {
    expect(parseOptions(['vote', '--help'])).toBe('help')
  })
  it('maps a release branch to the tag that promotes it', () => {
    expect(promotionTagRef('refs/heads/release/vote/v1.2.0')).toBe('refs/tags/vote/v1.2.0')
    expect(promotionTagRef('refs/heads/develop')).toBeUndefined()
  })
  it('refuses a release branch or tag gitflow.ts refuses, up front and with its message', () => {
    for (const [ref, message] of [
      ['release/x/v1..2', 'release branch "x/v1..2" is not <service>/vX.Y.Z (e.g. vote/v1.2.0)'],
      ['release/vote/v01.2.0', 'release branch "vote/v01.2.0" is not <service>/vX.Y.Z'],
      ['refs/tags/vote/latest', 'tag "vote/latest" is not <service>/vX.Y.Z'],
      ['release/result/v1.0.0', 'release branch "result/v1.0.0" is for service "result", but this build is for "vote"'],
    ]) {
      expect(() => parseOptions(['vote', '--ref', ref as string]), ref).toThrow(UsageError)
      expect(() => parseOptions(['vote', '--ref', ref as string]), ref).toThrow(`--ref: ${message}`)
    }
  })
})

describe('planEvents', () => {
  it('builds, publishes and deploys a release branch to staging with the rc and sha tags', () => {
    const [event, ...rest] = planEvents(options(['vote']), SHA, 7)
    expect(rest).toEqual([])
    expect(event).toMatchObject({
      kind: 'release',
      environment: 'staging',
      tags: ['1.0.0-rc.7', 'sha-0123456'],
      deploy: { primaryTag: '1.0.0-rc.7', sourceFromCandidate: false, immutableTags: false, supersedeHold: true },
      steps: ['test', 'audit', 'build', 'publish', 'deploy', 'verify'],
      destination: '127.0.0.1:5000/vote',
      manifest: 'k8s-specifications/overlays/staging/kustomization.yaml',
    })
  })
  it('promotes the release candidate of the tag\'s version to the production registry, without building', () => {
    const [event] = planEvents(options(['vote', '--ref', 'vote/v1.0.0']), SHA, 8)
    // Never sha-<7> of the commit: a later build of the same commit moves that tag.
    expect(JSON.stringify(event)).not.toMatch(/sha-/)
    expect(event).toMatchObject({
      kind: 'production',
      environment: 'production',
      tags: ['1.0.0'],
      deploy: { primaryTag: '1.0.0', sourceFromCandidate: true, immutableTags: true, supersedeHold: true },
      steps: ['candidate', 'promote', 'deploy', 'verify'],
      releaseCandidate: '1.0.0',
      stagingImage: '127.0.0.1:5000/vote',
      destination: '127.0.0.1:5001/vote',
      manifest: 'k8s-specifications/overlays/production/kustomization.yaml',
    })
  })
  it('runs the release and then its promotion for --env production', () => {
    const events = planEvents(options(['vote', '--env', 'production', '--no-test']), SHA, 3)
    expect(events.map((e) => [e.ref, e.environment, e.steps.join(' ')])).toEqual([
      ['refs/heads/release/vote/v1.0.0', 'staging', 'audit build publish deploy verify'],
      ['refs/tags/vote/v1.0.0', 'production', 'candidate promote deploy verify'],
    ])
  })
  it('only builds feature branches', () => {
    const [event] = planEvents(options(['worker', '--ref', 'feature/faster-queue']), SHA, 1)
    expect(event).toMatchObject({ kind: 'feature', tags: [], steps: ['test', 'audit', 'build'] })
    expect(event?.environment).toBeUndefined()
  })
  it('audits the dependencies before every build unless --no-audit, at the level asked for', () => {
    expect(planEvents(options(['vote', '--ref', 'develop', '--no-audit']), SHA, 1)[0]?.steps).toEqual(['test', 'build', 'publish', 'deploy', 'verify'])
    expect(options(['vote', '--audit-level', 'critical'])).toMatchObject({ audit: true, auditLevel: 'critical' })
    expect(() => parseOptions(['vote', '--audit-level', 'severe'])).toThrow(/--audit-level must be low, moderate, high or critical, not "severe"/)
  })
  it('publishes develop as sha-<7> to staging', () => {
    const [event] = planEvents(options(['result', '--ref', 'develop']), SHA, 1)
    expect(event).toMatchObject({ kind: 'develop', tags: ['sha-0123456'], environment: 'staging' })
    // The deploy decisions are planPipeline's, taken as they are.
    expect(event?.deploy).toEqual({ primaryTag: 'sha-0123456', sourceFromCandidate: false, immutableTags: false, supersedeHold: false })
  })
  it('refuses a release branch of another service', () => {
    expect(() => planEvents(options(['vote', '--ref', 'release/result/v1.0.0']), SHA, 1)).toThrow(/for service "result"/)
  })
})

describe('servicePaths', () => {
  it.each(['vote', 'result', 'worker'])('reads what goes into the %s image from its caller workflow', (service) => {
    const paths = servicePaths(REPO_ROOT, service)
    expect(paths[0]).toBe(`apps/${service}/**`)
    expect(paths).toContain('pnpm-lock.yaml')
    expect(paths.some((path) => path.startsWith('.github/'))).toBe(false)
  })
  it('refuses a caller that passes no paths', () => {
    expect(() => pathsInCaller(parseWorkflow('vote.yml', 'jobs:\n  pipeline:\n    uses: ./.github/workflows/pipeline.yml\n    with:\n      service: vote\n'))).toThrow(/vote\.yml passes no paths to the pipeline/)
  })
})

describe('serviceBuild', () => {
  const caller = (withLines: string) => parseWorkflow('vote.yml', `jobs:\n  pipeline:\n    uses: ./.github/workflows/pipeline.yml\n    with:\n      service: vote\n${withLines}`)
  it.each(['vote', 'result', 'worker'])('builds %s from the one Dockerfile with its SERVICE, as its caller workflow says', (service) => {
    expect(serviceBuild(REPO_ROOT, service)).toEqual({ dockerfile: 'apps/Dockerfile', buildArgs: { SERVICE: service } })
  })
  it('reads build-args as buildx-multiarch does: comments skipped, values kept whole', () => {
    const build = buildInCaller(caller('      dockerfile: apps/Dockerfile\n      build-args: |\n        # the service\n        SERVICE=vote\n        LIST=a,b=c\n'))
    expect(build).toEqual({ dockerfile: 'apps/Dockerfile', buildArgs: { SERVICE: 'vote', LIST: 'a,b=c' } })
  })
  it('refuses a build argument buildx-multiarch refuses, naming the caller', () => {
    expect(() => buildInCaller(caller('      dockerfile: apps/Dockerfile\n      build-args: "1SERVICE=vote"\n'))).toThrow('vote.yml: build-args "1SERVICE=vote" is not a build argument (expected KEY=VALUE, one per line)')
    expect(() => buildInCaller(caller('      dockerfile: apps/Dockerfile\n      build-args: "=vote"\n'))).toThrow(/vote\.yml: build-args "=vote" is not a build argument/)
  })
  it('refuses a caller that names no Dockerfile (the pipeline\'s default apps/<service>/Dockerfile is not in this repository)', () => {
    expect(() => buildInCaller(caller('      build-args: SERVICE=vote\n'))).toThrow(/vote\.yml passes no dockerfile to the pipeline/)
  })
})
