import { describe, expect, it } from 'vitest'
import { DEFAULT_MANIFESTS, DEPLOYMENT_RULES, parseRedeployReference, planRedeploy, redeploySource, RefError, type PipelineSettings, type RedeployRequest } from '../src/index'
import { PIPELINE_SETTINGS as settings } from './pipeline-settings'

const DIGEST = `sha256:${'ab'.repeat(32)}`
const redeploy = (request: Partial<RedeployRequest>, more: Partial<PipelineSettings> = {}) =>
  planRedeploy({ ref: 'refs/heads/main', environment: 'staging', reference: '1.4.2', ...request }, { ...settings, ...more })

describe('parseRedeployReference', () => {
  it('reads previous, a sha256 digest or a tag', () => {
    expect(parseRedeployReference('previous')).toEqual({ previous: true, tag: '', digest: '' })
    expect(parseRedeployReference(DIGEST)).toEqual({ previous: false, tag: '', digest: DIGEST })
    expect(parseRedeployReference('1.4.2-rc.17')).toEqual({ previous: false, tag: '1.4.2-rc.17', digest: '' })
  })

  it.each(['1.2.3; rm -rf /', '$(id)', '../1.2.3', 'a b', '', `x${'y'.repeat(128)}`, 'sha256:abc', `sha256:${'AB'.repeat(32)}`, `sha512:${'a'.repeat(128)}`, '-rc1'])(
    'refuses %j',
    (reference) => expect(parseRedeployReference(reference)).toBeUndefined(),
  )
})

describe('redeploySource', () => {
  it('writes image[:tag][@digest] exactly as given, a registry port and nested repository included', () => {
    expect(redeploySource('prodacr.azurecr.io/vote', { tag: '1.4.1', digest: DIGEST })).toBe(`prodacr.azurecr.io/vote:1.4.1@${DIGEST}`)
    expect(redeploySource('prodacr.azurecr.io/vote', { tag: '', digest: DIGEST })).toBe(`prodacr.azurecr.io/vote@${DIGEST}`)
    expect(redeploySource('127.0.0.1:5001/team/vote', { tag: '1.4.1', digest: '' })).toBe('127.0.0.1:5001/team/vote:1.4.1')
  })

  it('refuses when the history names no earlier image', () => {
    expect(() => redeploySource('prodacr.azurecr.io/vote', { tag: '', digest: '' })).toThrow(new RefError('previous: the history names no earlier image'))
  })
})

describe('planRedeploy', () => {
  it('names the environment\'s image, source and manifests for a tag or a digest', () => {
    expect(redeploy({ reference: '1.4.2-rc.17' })).toEqual({
      target: 'staging',
      previous: false,
      image: 'stagingacr.azurecr.io/vote',
      source: 'stagingacr.azurecr.io/vote:1.4.2-rc.17',
      tag: '1.4.2-rc.17',
      digest: '',
      manifests: 'overlays/staging/kustomization.yaml',
    })
    expect(redeploy({ environment: 'production', reference: DIGEST })).toMatchObject({
      target: 'production',
      image: 'prodacr.azurecr.io/vote',
      source: `prodacr.azurecr.io/vote@${DIGEST}`,
      manifests: 'overlays/production/kustomization.yaml',
    })
    // Without a production registry, production images live in the staging one.
    expect(redeploy({ environment: 'production' }, { productionRegistry: '' }).source).toBe('stagingacr.azurecr.io/vote:1.4.2')
    expect(redeploy({}, { repository: 'team/vote' }).image).toBe('stagingacr.azurecr.io/team/vote')
  })

  it('takes the default environment names and manifests for empty ones, as the plan entry passes them', () => {
    const empty = { environments: { staging: '', production: '' }, manifests: { staging: '', production: '' } }
    expect(redeploy({ environment: 'production' }, empty)).toMatchObject({ target: 'production', manifests: DEFAULT_MANIFESTS.production })
    expect(() => redeploy({ environment: 'qa' }, empty)).toThrow("input environment: expected staging or production, got 'qa'")
  })

  it('leaves the source of previous to the history step', () => {
    expect(redeploy({ environment: 'production', reference: 'previous' })).toMatchObject({ previous: true, source: '', tag: '', digest: '', image: 'prodacr.azurecr.io/vote' })
  })

  it.each([
    ['production', 'refs/heads/main', true],
    ['production', 'refs/tags/vote/v1.4.2', true],
    ['production', 'refs/heads/develop', false],
    ['production', 'refs/tags/v1.0.0', false],
    ['production', 'refs/heads/main-old', false],
    ['staging', 'refs/heads/main', true],
    ['staging', 'refs/heads/develop', true],
    ['staging', 'refs/heads/release/vote/v1.4.2', true],
    ['staging', 'refs/heads/release/v1', false],
    ['staging', 'refs/tags/vote/v1.0.0', false],
  ] as const)('%s from %s: allowed %s, as the environment\'s deployment rule', (environment, ref, allowed) => {
    expect(DEPLOYMENT_RULES[environment].refs.test(ref)).toBe(allowed)
    if (allowed) expect(redeploy({ environment, ref }).target).toBe(environment)
    else expect(() => redeploy({ environment, ref })).toThrow(`the ${environment} environment deploys only from ${DEPLOYMENT_RULES[environment].text}; this run was dispatched from ${ref}. Run the workflow from main`)
  })

  it('takes a service by the one rule of repository-name.ts, as the pipeline does', () => {
    expect(redeploy({}, { service: 'vote__api' }).image).toBe('stagingacr.azurecr.io/vote__api')
    for (const service of ['a'.repeat(64), 'vote-', '.vote', 'a..b', 'team/vote']) {
      expect(() => redeploy({}, { service }), service).toThrow(`input service: '${service}' is not an image name`)
    }
  })

  it('refuses, in order, an unknown environment, a ref its rule refuses, no registry, a bad service and a bad reference', () => {
    const refusal = (request: Partial<RedeployRequest>, more: Partial<PipelineSettings> = {}) => {
      try {
        redeploy(request, more)
      } catch (e) {
        expect(e).toBeInstanceOf(RefError)
        return (e as Error).message
      }
      throw new Error('planned')
    }
    expect(refusal({ environment: 'qa', ref: 'refs/heads/feature/x', reference: '$(id)' })).toBe("input environment: expected staging or production, got 'qa'")
    expect(refusal({ ref: 'refs/heads/feature/x', reference: '$(id)' }, { registry: '' })).toMatch(/^the staging environment deploys only from/)
    expect(refusal({ reference: '$(id)' }, { registry: '', service: 'Vote' })).toBe('the repository variable ACR_STAGING_REGISTRY is not set')
    expect(refusal({ reference: '$(id)' }, { service: 'Vote' })).toBe("input service: 'Vote' is not an image name")
    expect(refusal({ reference: '$(id)' })).toBe('input reference: expected a tag ([A-Za-z0-9_][A-Za-z0-9_.-]{0,127}), a digest (sha256:<64 hex>) or previous')
  })
})
