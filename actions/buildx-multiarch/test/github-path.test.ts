// The build path that only GitHub's runners run (docker-container builder, gha cache,
// attestations, OCI export), checked as argv and pure decisions against the sources and docs
// cited next to each case. The local engine runs the rest (e2e.test.ts).
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { parseImageReference, runUrl } from '@aks-gitops/toolkit'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { capabilitiesOf, emulationNeed } from '../src/capabilities'
import { parseStages, stagesNeedingEmulation } from '../src/dockerfile'
import { BINFMT_IMAGE, BUILDKIT_IMAGE } from '../src/pins'
import { builderName, cachePlan, outputNames, planBuilds } from '../src/plan'
import { provenanceAttrs, provenanceMode, repositoryIsPrivate } from '../src/provenance'
import { githubRunEnv, testSettings } from './settings'

const FIXTURES = resolve(fileURLToPath(new URL('.', import.meta.url)), 'fixtures')
const CONTAINER = capabilitiesOf('docker-container', false)
const RUN_ENV = githubRunEnv('9001', '3')
const settings = testSettings

const valueAfter = (args: readonly string[], flag: string) => args.filter((_, i) => args[i - 1] === flag)

describe('1. a release branch (two tags) exported as an OCI layout', () => {
  // BuildKit v0.19.0 (commit 01cf0c69f, client/solve.go): with tar=false the client writes
  // index.json itself through client/ociindex StoreIndex.Put, one descriptor per name in the
  // exporter's "image.name" (the --tag values), so two tags gave two entries and skopeo copy
  // oci:<dir> refuses them ("more than one image in oci, choose an image").
  it('names the image once, with the first tag: one index.json entry', () => {
    const [build] = planBuilds(settings(), 'b', CONTAINER, RUN_ENV, '/wd')
    expect(build?.output).toBe('oci')
    expect(valueAfter(build?.args ?? [], '--tag')).toEqual(['acr.example.io/vote:1.2.0-rc.3'])
    expect(valueAfter(build?.args ?? [], '--output')).toEqual(['type=oci,dest=/rt/vote-oci,tar=false'])
  })
  it('names a feature build (no tags) with its version, and a push with every tag', () => {
    expect(outputNames(settings({ tags: [], version: 'sha-0123456' }))).toEqual(['acr.example.io/vote:sha-0123456'])
    expect(outputNames(settings({ push: true }))).toEqual(['acr.example.io/vote:1.2.0-rc.3', 'acr.example.io/vote:sha-0123456'])
  })
})

describe('2. the GitHub Actions cache', () => {
  // moby/buildkit README, "GitHub Actions cache (experimental)": --export-cache type=gha takes
  // ignore-error=<false|true> ("specify if error is ignored in case cache export fails", default false).
  it('never fails the build when the cache cannot be written (rate limits)', () => {
    const plan = cachePlan(settings(), CONTAINER, RUN_ENV)
    expect(valueAfter(plan.args, '--cache-to')).toEqual(['type=gha,mode=max,scope=acr.example.io-vote,ignore-error=true'])
    expect(valueAfter(plan.args, '--cache-from')).toEqual(['type=gha,scope=acr.example.io-vote'])
  })
})

describe('3. QEMU only when needed, and pinned images', () => {
  it('pins BuildKit and binfmt by version and digest', () => {
    expect(parseImageReference(BUILDKIT_IMAGE)).toMatchObject({ registry: 'docker.io', repository: 'moby/buildkit', tag: expect.stringMatching(/^v\d+\.\d+\.\d+$/), digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) })
    expect(parseImageReference(BINFMT_IMAGE)).toMatchObject({ registry: 'docker.io', repository: 'tonistiigi/binfmt', tag: expect.stringMatching(/^qemu-v\d+\.\d+\.\d+(-\d+)?$/), digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) })
  })

  it("the services' Dockerfiles are cross-builds: every RUN on $BUILDPLATFORM, so no QEMU", () => {
    const dockerfiles = ['apps/Dockerfile', 'apps/vote/Dockerfile', 'apps/result/Dockerfile', 'apps/worker/Dockerfile'].filter((f) => existsSync(join(REPO_ROOT, f)))
    expect(dockerfiles.length).toBeGreaterThan(0)
    for (const file of dockerfiles) {
      const stages = parseStages(readFileSync(join(REPO_ROOT, file), 'utf8'))
      expect(stages.some((s) => s.platform === 'build' && s.runs), file).toBe(true)
      expect(stages.filter((s) => s.platform === 'target' && s.runs), file).toEqual([])
    }
  })

  it('finds the stage that RUNs on the target platform', () => {
    expect(stagesNeedingEmulation(readFileSync(join(FIXTURES, 'fails-on-arm64', 'Dockerfile'), 'utf8'))).toEqual(['0'])
    expect(stagesNeedingEmulation(readFileSync(join(FIXTURES, 'app', 'Dockerfile'), 'utf8'))).toEqual([])
  })

  it('follows stages built from stages, explicit target platforms, continuations and heredocs', () => {
    const text = [
      'ARG BASE=debian',
      'FROM --platform=${BUILDPLATFORM} ${BASE} AS deps',
      'RUN apt-get install \\',
      '    -y gcc',
      'FROM deps AS compile',
      'RUN <<EOF',
      'FROM not-an-instruction',
      'EOF',
      'FROM --platform=$TARGETPLATFORM ${BASE} AS native',
      'COPY --from=compile /out /out',
      'FROM native AS test',
      '# RUN in a comment does not count',
      'run ./selftest',
    ].join('\n')
    expect(parseStages(text).map((s) => `${s.name}:${s.platform}:${s.runs}`)).toEqual(['deps:build:true', 'compile:build:true', 'native:target:false', 'test:target:true'])
    expect(stagesNeedingEmulation(text)).toEqual(['test'])
  })

  it('registers QEMU for a foreign platform only when a target stage RUNs, unless the input says otherwise', () => {
    expect(emulationNeed('auto', ['linux/arm64'], [])).toMatchObject({ register: false })
    expect(emulationNeed('auto', ['linux/arm64'], ['0'])).toMatchObject({ register: true })
    expect(emulationNeed('false', ['linux/arm64'], ['0'])).toMatchObject({ register: false, reason: expect.stringContaining('qemu: false') })
    expect(emulationNeed('true', ['linux/arm64'], [])).toMatchObject({ register: true })
    expect(emulationNeed('true', [], [])).toMatchObject({ register: false, reason: 'not needed (every platform is native)' })
  })
})

describe('4. one builder per use of the action', () => {
  // The random suffix (main.ts) makes two uses in one job differ; e2e-builder.test.ts runs that.
  it('names each builder from the run, its attempt and the use\'s suffix', () => {
    expect(builderName(RUN_ENV, 'a1b2c3d4')).toBe('buildx-multiarch-9001-3-a1b2c3d4')
    expect(builderName(githubRunEnv('9001', '4'), 'a1b2c3d4')).toBe('buildx-multiarch-9001-4-a1b2c3d4')
    expect(builderName({}, 'a1b2c3d4')).toBe('buildx-multiarch-local-1-a1b2c3d4')
  })
})

describe('5. provenance', () => {
  // docker/build-push-action v7.3.0 src/context.ts getAttestArgs: `mode=min,inline-only=true` when
  // GitHub.context.payload.repository.private, else `mode=max`; docker/actions-toolkit
  // src/buildx/build.ts resolveProvenanceAttrs adds builder-id=GitHub.workflowRunURL(true).
  it('defaults to mode=min for a private repository and mode=max for a public one', () => {
    expect(repositoryIsPrivate(JSON.stringify({ repository: { private: true } }))).toBe(true)
    expect(repositoryIsPrivate(JSON.stringify({ repository: { private: false } }))).toBe(false)
    expect(repositoryIsPrivate(undefined)).toBe(false)
    expect(repositoryIsPrivate('not json')).toBe(false)
    expect(provenanceMode('auto', true)).toBe('min')
    expect(provenanceMode('auto', false)).toBe('max')
    expect(provenanceMode('max', true)).toBe('max')
    expect(provenanceMode('false', false)).toBe(false)
  })

  it('names the run attempt as builder-id', () => {
    // builder-id is the toolkit's run URL with its attempt.
    expect(runUrl(RUN_ENV, { attempt: true })).toBe('https://github.com/acme/shop/actions/runs/9001/attempts/3')
    expect(runUrl({}, { attempt: true })).toBeUndefined()
    expect(provenanceAttrs('min', RUN_ENV)).toBe('mode=min,inline-only=true,builder-id=https://github.com/acme/shop/actions/runs/9001/attempts/3')
  })

  it('passes the resolved mode to buildx', () => {
    const [build] = planBuilds(settings({ provenance: 'min', push: true }), 'b', CONTAINER, RUN_ENV, '/wd')
    expect(build?.args).toContain('--provenance=mode=min,inline-only=true,builder-id=https://github.com/acme/shop/actions/runs/9001/attempts/3')
    expect(build?.args).toContain('--sbom=true')
  })
})
