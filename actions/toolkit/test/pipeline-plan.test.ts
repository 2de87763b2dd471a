import { describe, expect, it } from 'vitest'
import { DEFAULT_ENVIRONMENTS, DEFAULT_MANIFESTS, planPipeline, RefError, withDefaults, type PipelineSettings } from '../src/index'
import { PIPELINE_SETTINGS as settings } from './pipeline-settings'

const sha = '3f9c2e1a7b6d5c4e3f2a1b0c9d8e7f6a5b4c3d2e'
const push = (ref: string, more: Partial<PipelineSettings> = {}) => planPipeline({ eventName: 'push', ref, sha, runNumber: 7 }, { ...settings, ...more })

describe('planPipeline', () => {
  it('publishes develop and release builds to staging', () => {
    expect(push('refs/heads/develop')).toEqual({
      kind: 'develop',
      publish: true,
      environment: 'staging',
      version: '',
      tags: ['sha-3f9c2e1'],
      primaryTag: 'sha-3f9c2e1',
      sourceFromCandidate: false,
      immutableTags: false,
      supersedeHold: false,
      stagingImage: 'stagingacr.azurecr.io/vote',
      stagingEnvironment: 'staging',
      stagingManifests: 'overlays/staging/kustomization.yaml',
      destination: 'stagingacr.azurecr.io/vote',
      manifests: 'overlays/staging/kustomization.yaml',
    })
    expect(push('refs/heads/release/vote/v1.2.0')).toMatchObject({ kind: 'release', environment: 'staging', version: '1.2.0', tags: ['1.2.0-rc.7', 'sha-3f9c2e1'] })
  })

  it('promotes a tag into the production registry, its environment and manifests', () => {
    expect(push('refs/tags/vote/v1.2.0', { repository: 'team/vote' })).toEqual({
      kind: 'production',
      publish: true,
      environment: 'production',
      version: '1.2.0',
      tags: ['1.2.0'],
      primaryTag: '1.2.0',
      sourceFromCandidate: true,
      immutableTags: true,
      supersedeHold: true,
      stagingImage: 'stagingacr.azurecr.io/team/vote',
      // A promotion's candidate is found in staging, with staging's environment and manifests.
      stagingEnvironment: 'staging',
      stagingManifests: 'overlays/staging/kustomization.yaml',
      destination: 'prodacr.azurecr.io/team/vote',
      manifests: 'overlays/production/kustomization.yaml',
    })
    // Without a production registry, production is another repository path of the same one.
    expect(push('refs/tags/vote/v1.2.0', { productionRegistry: '' }).destination).toBe('stagingacr.azurecr.io/vote')
  })

  it('builds feature branches, pull requests and other refs without publishing', () => {
    for (const ref of ['refs/heads/feature/x', 'refs/heads/main']) {
      expect(push(ref)).toMatchObject({ publish: false, environment: '', version: '', tags: [] })
    }
    // A pull_request run is a pull request whatever its ref says.
    const pr = planPipeline({ eventName: 'pull_request', ref: 'refs/heads/release/vote/v1', sha, runNumber: 1 }, settings)
    expect(pr).toMatchObject({ kind: 'pull-request', publish: false, tags: [], destination: 'stagingacr.azurecr.io/vote' })
  })

  it('decides per kind what the deploy does: the pinned tag, where the image comes from, immutable tags, superseding a hold', () => {
    const deploy = (eventName: string, ref: string) => {
      const { kind, primaryTag, sourceFromCandidate, immutableTags, supersedeHold } = planPipeline({ eventName, ref, sha, runNumber: 7 }, settings)
      return { kind, primaryTag, sourceFromCandidate, immutableTags, supersedeHold }
    }
    const none = { primaryTag: '', sourceFromCandidate: false, immutableTags: false, supersedeHold: false }
    expect([
      deploy('push', 'refs/heads/develop'),
      deploy('push', 'refs/heads/release/vote/v1.2.0'),
      deploy('push', 'refs/tags/vote/v1.2.0'),
      deploy('push', 'refs/heads/feature/x'),
      deploy('pull_request', 'refs/pull/3/merge'),
      deploy('push', 'refs/heads/main'),
    ]).toEqual([
      { kind: 'develop', primaryTag: 'sha-3f9c2e1', sourceFromCandidate: false, immutableTags: false, supersedeHold: false },
      { kind: 'release', primaryTag: '1.2.0-rc.7', sourceFromCandidate: false, immutableTags: false, supersedeHold: true },
      { kind: 'production', primaryTag: '1.2.0', sourceFromCandidate: true, immutableTags: true, supersedeHold: true },
      { kind: 'feature', ...none },
      { kind: 'pull-request', ...none },
      { kind: 'other', ...none },
    ])
  })

  it('takes the default environment names and manifests for empty ones, each on its own', () => {
    expect(DEFAULT_ENVIRONMENTS).toEqual({ staging: 'staging', production: 'production' })
    expect(DEFAULT_MANIFESTS).toEqual({
      staging: 'k8s-specifications/overlays/staging/kustomization.yaml',
      production: 'k8s-specifications/overlays/production/kustomization.yaml',
    })
    const empty = { environments: { staging: '', production: '' }, manifests: { staging: '', production: '' } }
    expect(push('refs/heads/develop', empty)).toMatchObject({ environment: 'staging', stagingEnvironment: 'staging', manifests: DEFAULT_MANIFESTS.staging, stagingManifests: DEFAULT_MANIFESTS.staging })
    expect(push('refs/tags/vote/v1.2.0', empty)).toMatchObject({ environment: 'production', manifests: DEFAULT_MANIFESTS.production, stagingManifests: DEFAULT_MANIFESTS.staging })
    const given = { environments: { staging: 'qa', production: '' }, manifests: { staging: '', production: 'prod/*.yaml' } }
    expect(withDefaults({ ...settings, ...given })).toMatchObject({
      environments: { staging: 'qa', production: 'production' },
      manifests: { staging: DEFAULT_MANIFESTS.staging, production: 'prod/*.yaml' },
    })
    expect(push('refs/tags/vote/v1.2.0', given)).toMatchObject({ environment: 'production', manifests: 'prod/*.yaml', stagingEnvironment: 'qa' })
  })

  it('names the image locally for a build-only run without a registry, and refuses a publishing one', () => {
    expect(push('refs/heads/feature/x', { registry: '' }).stagingImage).toBe('localhost/vote')
    expect(() => push('refs/heads/develop', { registry: '' })).toThrow(/input registry is empty/)
  })

  it('refuses a bad service, SHA or release ref before planning', () => {
    expect(() => push('refs/heads/develop', { service: 'Vote' })).toThrow(/input service: 'Vote' is not a lowercase image name/)
    expect(() => push('refs/heads/develop', { service: 'vote-' })).toThrow(RefError)
    expect(() => planPipeline({ eventName: 'push', ref: 'refs/heads/develop', sha: 'abc1234', runNumber: 1 }, settings)).toThrow(/unexpected commit SHA 'abc1234'/)
    expect(() => push('refs/tags/result/v1.0.0')).toThrow(/for service "result"/)
  })

  it('takes a service by the one rule of repository-name.ts and says what it expects', () => {
    expect(() => push('refs/heads/develop', { service: '.vote' })).toThrow(
      "input service: '.vote' is not a lowercase image name (expected one image repository path component: lowercase letters, digits, and . _ __ - between them, at most 63 characters)",
    )
    // Refused before the rule was shared, though a registry takes them as a repository name.
    expect(push('refs/heads/develop', { service: 'vote__api' }).stagingImage).toBe(`${settings.registry}/vote__api`)
    expect(push('refs/heads/develop', { service: 'vote--api' }).stagingImage).toBe(`${settings.registry}/vote--api`)
    expect(push('refs/heads/develop', { service: 'a'.repeat(63) }).stagingImage).toBe(`${settings.registry}/${'a'.repeat(63)}`)
    // Accepted before: longer than the name of the hold's annotation key may be.
    expect(() => push('refs/heads/develop', { service: 'a'.repeat(64) })).toThrow(/is not a lowercase image name/)
    for (const service of ['a..b', 'team/vote', '-vote']) expect(() => push('refs/heads/develop', { service }), service).toThrow(/is not a lowercase image name/)
  })

  it('takes an image repository by the same rule, component by component', () => {
    expect(push('refs/heads/develop', { repository: 'team_a/vote-api' }).stagingImage).toBe(`${settings.registry}/team_a/vote-api`)
    for (const repository of ['Team/vote', 'team//vote', '/vote', 'vote/', 'team/.vote', 'a..b']) {
      expect(() => push('refs/heads/develop', { repository }), repository).toThrow(`input image-repository: '${repository}' is not a repository name (expected path components joined by '/'`)
    }
  })
})
