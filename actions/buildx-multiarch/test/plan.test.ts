import { describe, expect, it } from 'vitest'
import { parsePlatforms } from '@aks-gitops/toolkit'
import { capabilitiesOf } from '../src/capabilities'
import type { Settings } from '../src/inputs'
import { BINFMT_IMAGE, BUILDKIT_IMAGE } from '../src/pins'
import { binfmtInstallArgs, cachePlan, createBuilderArgs, ghaCacheAvailable, mergeArgs, planBuilds, stagingTag } from '../src/plan'
import { githubRunEnv, testSettings } from './settings'

const DOCKER = capabilitiesOf('docker', false)
const CONTAINER = capabilitiesOf('docker-container', false)
const GHA_ENV = githubRunEnv('42', '2')

const settings = (overrides: Partial<Settings> = {}): Settings =>
  testSettings({
    repository: 'acr.example.io/shop/vote',
    displayName: 'acr.example.io/shop/vote',
    context: '/w/apps/vote',
    file: '/w/apps/vote/Dockerfile',
    buildArgs: [['NODE_IMAGE', 'reg/base/node:24']],
    labels: { 'org.opencontainers.image.version': '1.2.0-rc.3', team: 'web' },
    push: true,
    ociLayout: '/tmp/layout',
    ...overrides,
  })

const COMMON = (platform: string, metadata: string) => [
  'buildx', 'build', '--builder', 'b', '--progress', 'plain', '--platform', platform,
  '--file', '/w/apps/vote/Dockerfile', '--metadata-file', metadata,
  '--build-arg', 'NODE_IMAGE=reg/base/node:24',
  '--label', 'org.opencontainers.image.version=1.2.0-rc.3', '--label', 'team=web',
]

describe('planBuilds on the docker driver (this machine)', () => {
  it('multi + push: one build per platform, each named with its staging tag (pushed later) with inline cache', () => {
    const builds = planBuilds(settings(), 'b', DOCKER, {}, '/wd')
    expect(builds.map((b) => b.output)).toEqual(['push-staging', 'push-staging'])
    expect(builds[1]?.stagingRef).toBe('acr.example.io/shop/vote:buildcache-linux-arm64')
    expect(builds[1]?.args).toEqual([
      ...COMMON('linux/arm64', '/wd/metadata-linux-arm64.json'),
      '--cache-from', 'type=registry,ref=acr.example.io/shop/vote:buildcache-linux-arm64', '--cache-to', 'type=inline',
      '--provenance=false',
      '--output', 'type=image,name=acr.example.io/shop/vote:buildcache-linux-arm64',
      '/w/apps/vote',
    ])
  })

  it('multi without push: images stay in the engine (assembled into a layout afterwards)', () => {
    const builds = planBuilds(settings({ push: false, target: 'runtime' }), 'b', DOCKER, {}, '/wd')
    expect(builds.map((b) => b.output)).toEqual(['daemon', 'daemon'])
    const args = builds[0]?.args ?? []
    expect(args[args.indexOf('--target') + 1]).toBe('runtime')
    expect(builds[0]?.args.slice(-4)).toEqual(['--provenance=false', '--output', 'type=image', '/w/apps/vote'])
    expect(builds[0]?.args).not.toContain('--cache-to')
  })

  it('platform mode pushes the one platform under its staging tag', () => {
    const builds = planBuilds(settings({ mode: 'platform', platforms: parsePlatforms(['linux/arm64']) }), 'b', DOCKER, {}, '/wd')
    expect(builds).toHaveLength(1)
    expect(builds[0]?.output).toBe('push-staging')
  })

  it('merge mode builds nothing', () => {
    expect(planBuilds(settings({ mode: 'merge' }), 'b', DOCKER, {}, '/wd')).toEqual([])
  })
})

describe('planBuilds on a docker-container builder (GitHub-hosted runners)', () => {
  it('multi + push: one invocation for all platforms with every tag, gha cache, attestations and index annotations', () => {
    const [build, ...rest] = planBuilds(settings(), 'b', CONTAINER, GHA_ENV, '/wd')
    expect(rest).toEqual([])
    expect(build?.output).toBe('push')
    expect(build?.args).toEqual([
      ...COMMON('linux/amd64,linux/arm64', '/wd/metadata-all.json'),
      '--cache-from', 'type=gha,scope=acr.example.io-shop-vote', '--cache-to', 'type=gha,mode=max,scope=acr.example.io-shop-vote,ignore-error=true',
      '--provenance=mode=max,builder-id=https://github.com/acme/shop/actions/runs/42/attempts/2', '--sbom=true',
      '--tag', 'acr.example.io/shop/vote:1.2.0-rc.3', '--tag', 'acr.example.io/shop/vote:sha-0123456',
      '--annotation', 'index:org.opencontainers.image.version=1.2.0-rc.3',
      '--output', 'type=image,push=true',
      '/w/apps/vote',
    ])
  })

  it('multi without push writes an OCI layout directory', () => {
    const [build] = planBuilds(settings({ push: false, sbom: false, provenance: false }), 'b', CONTAINER, GHA_ENV, '/wd')
    expect(build?.args.filter((a, i, all) => all[i - 1] === '--tag')).toEqual(['acr.example.io/shop/vote:1.2.0-rc.3'])
    expect(build?.output).toBe('oci')
    expect(build?.args).toContain('--provenance=false')
    expect(build?.args).not.toContain('--sbom=true')
    expect(build?.args.slice(-3)).toEqual(['--output', 'type=oci,dest=/tmp/layout,tar=false', '/w/apps/vote'])
  })

  it('platform mode without push writes that platform\'s OCI layout', () => {
    const [build] = planBuilds(settings({ mode: 'platform', push: false, platforms: parsePlatforms(['linux/arm64']) }), 'b', CONTAINER, {}, '/wd')
    expect(build?.output).toBe('oci')
    expect(build?.args).toContain('type=oci,dest=/tmp/layout,tar=false')
    expect(build?.args).toContain('linux/arm64')
  })

  it('platform mode pushes by digest with a per-platform cache scope', () => {
    const [build] = planBuilds(settings({ mode: 'platform', platforms: parsePlatforms(['linux/arm64']) }), 'b', CONTAINER, GHA_ENV, '/wd')
    expect(build?.output).toBe('push-by-digest')
    expect(build?.args).toContain('type=gha,scope=acr.example.io-shop-vote-linux-arm64')
    expect(build?.args).toContain('type=image,name=acr.example.io/shop/vote,push-by-digest=true,name-canonical=true,push=true')
  })
})

describe('cachePlan', () => {
  const arm64 = parsePlatforms(['linux/arm64'])[0]
  it('auto: gha on GitHub, a registry cache when pushing elsewhere, a local directory otherwise', () => {
    expect(ghaCacheAvailable(GHA_ENV)).toBe(true)
    expect(ghaCacheAvailable({ ACTIONS_RUNTIME_TOKEN: 't' })).toBe(false)
    expect(cachePlan(settings(), CONTAINER, {}).args).toEqual([
      '--cache-from', 'type=registry,ref=acr.example.io/shop/vote:buildcache',
      '--cache-to', 'type=registry,ref=acr.example.io/shop/vote:buildcache,mode=max',
    ])
    expect(cachePlan(settings({ push: false }), CONTAINER, {}).args).toEqual(['--cache-from', 'type=local,src=/rt/buildx-cache', '--cache-to', 'type=local,dest=/rt/buildx-cache,mode=max'])
  })
  it('on the docker driver relies on the engine cache, plus inline cache in pushed images', () => {
    expect(cachePlan(settings({ push: false }), DOCKER, {}, arm64)).toEqual({ args: [], description: 'engine build cache (docker driver)' })
    expect(cachePlan(settings({ cache: 'registry', cacheRef: 'reg/cache:vote' }), DOCKER, {}, arm64).args).toEqual([
      '--cache-from', 'type=registry,ref=reg/cache:vote-linux-arm64', '--cache-to', 'type=inline',
    ])
  })
  it('none disables the cache; gha on the docker driver is an error', () => {
    expect(cachePlan(settings({ cache: 'none' }), DOCKER, {}, arm64).args).toEqual(['--no-cache'])
    expect(() => cachePlan(settings({ cache: 'gha' }), DOCKER, GHA_ENV, arm64)).toThrow(/needs a builder that exports cache/)
  })
})

describe('other argument vectors', () => {
  it('merge: every tag, index annotations for OCI labels only, then the sources', () => {
    expect(mergeArgs(settings(), 'b', ['r@sha256:1', 'r@sha256:2'], true)).toEqual([
      'buildx', 'imagetools', 'create', '--builder', 'b', '--dry-run',
      '--tag', 'acr.example.io/shop/vote:1.2.0-rc.3', '--tag', 'acr.example.io/shop/vote:sha-0123456',
      '--annotation', 'index:org.opencontainers.image.version=1.2.0-rc.3',
      'r@sha256:1', 'r@sha256:2',
    ])
  })
  it('QEMU registration and builder creation', () => {
    expect(binfmtInstallArgs(BINFMT_IMAGE, ['arm64', 's390x'])).toEqual(['run', '--privileged', '--rm', BINFMT_IMAGE, '--install', 'arm64,s390x'])
    expect(createBuilderArgs('x', BUILDKIT_IMAGE)).toEqual(['buildx', 'create', '--name', 'x', '--driver', 'docker-container', '--driver-opt', `image=${BUILDKIT_IMAGE}`, '--bootstrap'])
    expect(stagingTag(parsePlatforms(['linux/arm/v7'])[0]!)).toBe('buildcache-linux-arm-v7')
  })
})
