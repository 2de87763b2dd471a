// Same commit, same image: the argv carries SOURCE_DATE_EPOCH as BuildKit documents it
// (https://github.com/moby/buildkit/blob/master/docs/build-repro.md, "SOURCE_DATE_EPOCH";
// https://docs.docker.com/build/ci/github-actions/reproducible-builds/), and index entries come in
// one order. The digests themselves are measured on a real engine by `bench:pipeline`.
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runAction } from '@aks-gitops/test-support/action-runner'
import { parsePlatforms, type Descriptor } from '@aks-gitops/toolkit'
import { capabilitiesOf } from '../src/capabilities'
import type { Settings } from '../src/inputs'
import { planBuilds } from '../src/plan'
import { fixedOrder, readSourceDateEpoch, sourceDateEpochArgs, sourcesInPlatformOrder, withRewriteTimestamp } from '../src/reproducible'
import { testSettings } from './settings'

const settings = (overrides: Partial<Settings>): Settings =>
  testSettings({
    repository: 'acr.example.io/shop/vote',
    tags: ['sha-0123456'],
    version: 'sha-0123456',
    push: true,
    ociLayout: '/tmp/layout',
    cache: 'none',
    provenance: false,
    sbom: false,
    ...overrides,
  })

const outputsOf = (args: readonly string[]) => args.flatMap((a, i) => (args[i - 1] === '--output' ? [a] : []))

describe('SOURCE_DATE_EPOCH', () => {
  it('is read from the environment as Unix seconds, and refused when it is anything else', () => {
    expect(readSourceDateEpoch({ SOURCE_DATE_EPOCH: '1796014437' })).toBe('1796014437')
    expect(readSourceDateEpoch({})).toBeUndefined()
    expect(readSourceDateEpoch({ SOURCE_DATE_EPOCH: '' })).toBeUndefined()
    expect(() => readSourceDateEpoch({ SOURCE_DATE_EPOCH: '2026-11-30T04:53:57Z' })).toThrow(/SOURCE_DATE_EPOCH "2026-11-30T04:53:57Z" is not a Unix time in seconds/)
  })

  it('fails the step before anything runs when it is malformed (the bundle, as the runner runs it)', async () => {
    const fixtures = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
    const run = await runAction({
      action: 'actions/buildx-multiarch',
      inputs: { image: '127.0.0.1:5000/repro/app', context: 'app', push: 'false' },
      env: { GITHUB_WORKSPACE: fixtures, GITHUB_REF: 'refs/heads/develop', GITHUB_SHA: 'a'.repeat(40), SOURCE_DATE_EPOCH: 'yesterday' },
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toEqual(['SOURCE_DATE_EPOCH "yesterday" is not a Unix time in seconds (expected digits, e.g. the output of git log -1 --format=%ct)'])
    expect(run.stdout).not.toContain('buildx build')
  })

  it('becomes the build argument and rewrite-timestamp=true on image and OCI outputs only', () => {
    expect(sourceDateEpochArgs('1700000000')).toEqual(['--build-arg', 'SOURCE_DATE_EPOCH=1700000000'])
    expect(sourceDateEpochArgs(undefined)).toEqual([])
    const args = ['build', '--output', 'type=oci,dest=/l,tar=false', '--output', 'type=local,dest=/x', '--label', 'type=image', '.']
    expect(withRewriteTimestamp(args, '1700000000')).toEqual(['build', '--output', 'type=oci,dest=/l,tar=false,rewrite-timestamp=true', '--output', 'type=local,dest=/x', '--label', 'type=image', '.'])
    expect(withRewriteTimestamp(args, undefined)).toEqual(args)
  })

  it('reaches every build the plan makes: push, OCI layout, per-platform and push-by-digest', () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' }
    const cases = [
      { caps: capabilitiesOf('docker-container', false), push: true, mode: 'multi' as const, expected: ['type=image,push=true,rewrite-timestamp=true'] },
      { caps: capabilitiesOf('docker-container', false), push: false, mode: 'multi' as const, expected: ['type=oci,dest=/tmp/layout,tar=false,rewrite-timestamp=true'] },
      { caps: capabilitiesOf('docker', true), push: false, mode: 'multi' as const, expected: ['type=oci,dest=/tmp/layout,tar=false,rewrite-timestamp=true'] },
      {
        caps: capabilitiesOf('docker-container', false),
        push: true,
        mode: 'platform' as const,
        expected: ['type=image,name=acr.example.io/shop/vote,push-by-digest=true,name-canonical=true,push=true,rewrite-timestamp=true'],
      },
    ]
    for (const { caps, push, mode, expected } of cases) {
      const platforms = parsePlatforms(mode === 'platform' ? ['linux/arm64'] : ['linux/amd64', 'linux/arm64'])
      const builds = planBuilds(settings({ push, mode, platforms, sourceDateEpoch: env.SOURCE_DATE_EPOCH }), 'b', caps, {}, '/wd')
      for (const build of builds) {
        expect(outputsOf(build.args)).toEqual(expected)
        const at = build.args.indexOf('SOURCE_DATE_EPOCH=1700000000')
        expect(build.args[at - 1]).toBe('--build-arg')
      }
    }
    // The docker driver on the classic store: each platform's image, still with the timestamp option.
    const perPlatform = planBuilds(settings({ push: false, sourceDateEpoch: '1700000000' }), 'b', capabilitiesOf('docker', false), {}, '/wd')
    expect(perPlatform.map((b) => outputsOf(b.args))).toEqual([['type=image,rewrite-timestamp=true'], ['type=image,rewrite-timestamp=true']])
    // Without SOURCE_DATE_EPOCH the argv is what it was.
    const plain = planBuilds(settings({ push: false }), 'b', capabilitiesOf('docker', true), {}, '/wd')
    expect(plain[0]?.args.some((a) => a.includes('SOURCE_DATE_EPOCH') || a.includes('rewrite-timestamp'))).toBe(false)
  })
})

describe('fixedOrder', () => {
  const amd64: Descriptor = { mediaType: 'm', digest: 'sha256:bb', size: 1, platform: { os: 'linux', architecture: 'amd64' } }
  const arm64: Descriptor = { mediaType: 'm', digest: 'sha256:aa', size: 1, platform: { os: 'linux', architecture: 'arm64' } }
  const attest = (of: Descriptor, digest: string): Descriptor => ({
    mediaType: 'm',
    digest,
    size: 1,
    platform: { os: 'unknown', architecture: 'unknown' },
    annotations: { 'vnd.docker.reference.type': 'attestation-manifest', 'vnd.docker.reference.digest': of.digest },
  })

  it('orders images by platform and attestations after them in the same order, whatever order the sources came in', () => {
    const expected = [amd64, arm64, attest(amd64, 'sha256:ff'), attest(arm64, 'sha256:00')]
    expect(fixedOrder([attest(arm64, 'sha256:00'), arm64, attest(amd64, 'sha256:ff'), amd64])).toEqual(expected)
    expect(fixedOrder([arm64, attest(arm64, 'sha256:00'), amd64, attest(amd64, 'sha256:ff')])).toEqual(expected)
  })
})

describe('sourcesInPlatformOrder', () => {
  it('orders the merge sources by platform, whatever order the platform jobs handed them on in, unknown last', () => {
    const amd64 = { source: 'r/vote@sha256:bb', platform: { os: 'linux', architecture: 'amd64' } }
    const arm64 = { source: 'r/vote@sha256:aa', platform: { os: 'linux', architecture: 'arm64' } }
    const unknown = { source: 'r/vote@sha256:00' }
    expect(sourcesInPlatformOrder([arm64, unknown, amd64])).toEqual(['r/vote@sha256:bb', 'r/vote@sha256:aa', 'r/vote@sha256:00'])
    expect(sourcesInPlatformOrder([amd64, arm64])).toEqual(['r/vote@sha256:bb', 'r/vote@sha256:aa'])
  })
})
