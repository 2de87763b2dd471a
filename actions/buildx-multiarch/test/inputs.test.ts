import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { readSettings } from '../src/inputs'
import { BINFMT_IMAGE, BUILDKIT_IMAGE } from '../src/pins'

const SHA = '0123456789abcdef0123456789abcdef01234567'
let workspace: string
let saved: NodeJS.ProcessEnv

function setInputs(inputs: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}

const env = (extra: Record<string, string> = {}) => ({
  GITHUB_WORKSPACE: workspace,
  GITHUB_REF: 'refs/heads/release/vote/v1.2.0',
  GITHUB_SHA: SHA,
  GITHUB_RUN_NUMBER: '9',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_REPOSITORY: 'acme/shop',
  RUNNER_TEMP: join(workspace, 'tmp'),
  ...extra,
})

beforeEach(() => {
  saved = { ...process.env }
  workspace = mkdtempSync(join(tmpdir(), 'bx-inputs-'))
  mkdirSync(join(workspace, 'apps/vote'), { recursive: true })
  writeFileSync(join(workspace, 'apps/vote/Dockerfile'), 'FROM scratch\n')
})
afterEach(() => {
  process.env = saved
  rmSync(workspace, { recursive: true, force: true })
})

describe('readSettings', () => {
  it('computes tags, version and labels from the release ref', () => {
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote', service: 'vote', platforms: 'linux/amd64, linux/aarch64', 'build-args': 'A=1,2\nB=x' })
    const s = readSettings(env(), new Date('2026-01-02T03:04:05Z'))
    expect(s.tags).toEqual(['1.2.0-rc.9', 'sha-0123456'])
    expect(s.version).toBe('1.2.0-rc.9')
    expect(s.platforms).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }])
    expect(s.file).toBe(join(workspace, 'apps/vote/Dockerfile'))
    expect(s.buildArgs).toEqual([['A', '1,2'], ['B', 'x']])
    expect(s.labels).toMatchObject({
      'org.opencontainers.image.source': 'https://github.com/acme/shop',
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.version': '1.2.0-rc.9',
      'org.opencontainers.image.created': '2026-01-02T03:04:05.000Z',
      'org.opencontainers.image.title': 'vote',
    })
    expect(s.ociLayout).toBe(join(workspace, 'tmp/buildx-multiarch/vote-oci'))
  })

  it('takes explicit tags over the ref', () => {
    setInputs({ image: 'acr.example.io/vote', context: 'apps/vote', tags: 'latest\nedge' })
    const s = readSettings(env({ GITHUB_REF: 'refs/heads/feature/x' }))
    expect(s.tags).toEqual(['latest', 'edge'])
    expect(s.tagSource).toBe('input')
  })

  const cases: Array<[string, Record<string, string>, Record<string, string>, RegExp]> = [
    ['a missing image', { context: 'apps/vote' }, {}, /Input "image": is required/],
    ['an image with a tag', { image: 'acr.example.io/vote:1', context: 'apps/vote' }, {}, /Input "image": .*repository only/],
    ['an unknown platform', { image: 'r.io/vote', context: 'apps/vote', platforms: 'linux/amd64,windows/sparc' }, {}, /Input "platforms": .*unknown architecture "sparc"/],
    ['a missing Dockerfile', { image: 'r.io/vote', context: '.' }, {}, /Input "file": the Dockerfile ".*\/Dockerfile" does not exist \(the default is <context>\/Dockerfile\)/],
    ['a missing context', { image: 'r.io/vote', context: 'apps/nope' }, {}, /Input "context": .* is not a directory/],
    ['an invalid tag', { image: 'r.io/vote', context: 'apps/vote', tags: 'good\n-bad' }, {}, /Input "tags": "-bad" is not a valid tag/],
    ['a full reference as a tag', { image: 'r.io/vote', context: 'apps/vote', tags: 'r.io/vote:1' }, {}, /Input "tags": "r.io\/vote:1" is not a valid tag/],
    ['push with no tags', { image: 'r.io/vote', context: 'apps/vote', push: 'true' }, { GITHUB_REF: 'refs/heads/feature/x' }, /Input "tags": push is true but there are no tags/],
    ['a release of another service', { image: 'r.io/vote', context: 'apps/vote', service: 'result' }, {}, /Input "tags": .*for service "vote", but this build is for "result"/],
    ['a service that cannot be an image name', { image: 'r.io/vote', context: 'apps/vote', service: 'Vote' }, {}, /Input "service": "Vote" is not a service name \(expected one image repository path component/],
    ['a bad boolean', { image: 'r.io/vote', context: 'apps/vote', push: 'yes' }, {}, /Input "push": "yes" is not a boolean/],
    ['a bad build argument', { image: 'r.io/vote', context: 'apps/vote', 'build-args': 'NOEQUALS' }, {}, /Input "build-args": "NOEQUALS" is not a build argument/],
    ['two platforms in platform mode', { image: 'r.io/vote', context: 'apps/vote', mode: 'platform', push: 'true' }, {}, /Input "platforms": mode "platform" builds exactly one platform/],
    ['a digest as a layout source (merge without push)', { image: 'r.io/vote', mode: 'merge', sources: 'sha256:' + 'a'.repeat(64) }, {}, /Input "sources": "sha256:a+" is not an OCI image layout directory/],
    ['merge without layouts', { image: 'r.io/vote', mode: 'merge' }, {}, /Input "sources": .*their OCI layout directories/],
    ['merge without sources', { image: 'r.io/vote', mode: 'merge', push: 'true' }, {}, /Input "sources": mode "merge" needs .*"digest" outputs/],
    ['a bad source digest', { image: 'r.io/vote', mode: 'merge', push: 'true', sources: 'sha256:abc' }, {}, /Input "sources": "sha256:abc": a sha256 digest has 64/],
    ['an unknown cache', { image: 'r.io/vote', context: 'apps/vote', cache: 's3' }, {}, /Input "cache": "s3" is not one of auto, gha, registry, local, none/],
    ['an unknown qemu choice', { image: 'r.io/vote', context: 'apps/vote', qemu: 'maybe' }, {}, /Input "qemu": "maybe" is not one of auto, true, false/],
    ['an unknown provenance mode', { image: 'r.io/vote', context: 'apps/vote', provenance: 'full' }, {}, /Input "provenance": "full" is not one of auto, min, max, true, false/],
    ['an invalid BuildKit image', { image: 'r.io/vote', context: 'apps/vote', 'buildkit-image': 'moby/BuildKit:v0 x' }, {}, /Input "buildkit-image": /],
  ]
  it.each(cases)('rejects %s with a message naming the input', (_name, inputs, extraEnv, message) => {
    setInputs(inputs)
    expect(() => readSettings(env(extraEnv))).toThrow(message)
  })

  it('resolves provenance from the event payload (private repository: mode=min) and pins the images by default', () => {
    const event = join(workspace, 'event.json')
    writeFileSync(event, JSON.stringify({ repository: { full_name: 'acme/shop', private: true } }))
    setInputs({ image: 'r.io/vote', context: 'apps/vote' })
    const s = readSettings(env({ GITHUB_EVENT_PATH: event }))
    expect(s.provenance).toBe('min')
    expect([s.qemu, s.qemuImage, s.buildkitImage]).toEqual(['auto', BINFMT_IMAGE, BUILDKIT_IMAGE])
    writeFileSync(event, JSON.stringify({ repository: { full_name: 'acme/shop', private: false } }))
    expect(readSettings(env({ GITHUB_EVENT_PATH: event })).provenance).toBe('max')
    setInputs({ image: 'r.io/vote', context: 'apps/vote', provenance: 'true', 'buildkit-image': 'mirror.example/buildkit:v0.32.2' })
    expect(readSettings(env({ GITHUB_EVENT_PATH: event }))).toMatchObject({ provenance: 'max', buildkitImage: 'mirror.example/buildkit:v0.32.2' })
    setInputs({ image: 'r.io/vote', context: 'apps/vote', provenance: 'false' })
    expect(readSettings(env({ GITHUB_EVENT_PATH: event })).provenance).toBe(false)
    // An explicit mode holds whatever the payload says (it is not read then).
    setInputs({ image: 'r.io/vote', context: 'apps/vote', provenance: 'min' })
    expect(readSettings(env({ GITHUB_EVENT_PATH: event })).provenance).toBe('min')
    writeFileSync(event, JSON.stringify({ repository: { full_name: 'acme/shop', private: true } }))
    setInputs({ image: 'r.io/vote', context: 'apps/vote', provenance: 'max' })
    expect(readSettings(env({ GITHUB_EVENT_PATH: event })).provenance).toBe('max')
  })

  it('merge mode needs no build context and qualifies bare digests with the image', () => {
    const digest = `sha256:${'b'.repeat(64)}`
    setInputs({ image: 'r.io/vote', mode: 'merge', push: 'true', sources: `${digest}\nr.io/vote@sha256:${'c'.repeat(64)}` })
    expect(readSettings(env()).sources).toEqual([`r.io/vote@${digest}`, `r.io/vote@sha256:${'c'.repeat(64)}`])
  })
})
