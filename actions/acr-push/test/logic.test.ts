// Pure logic: the failure message, routes and argv, the platform gate, immutable tags, and the
// per-blob byte figures from skopeo's real debug logs. (Fault classification, the tools'
// environment and redaction are the toolkit's: actions/toolkit/test/registry-faults.test.ts,
// registry-run-tool.test.ts.)
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CommandError, RetriesExhaustedError, parseImageReference, parsePlatforms, toRegistryError } from '@aks-gitops/toolkit'
import { describe, expect, it } from 'vitest'
import { failureMessage } from '../src/failures'
import { pluginDirs } from '../src/auth/docker-config'
import { chooseRoute, imagetoolsCreateArgs, missingRequired, movedTags, platformGateMessage, skopeoCopyArgs, skopeoTagArgs } from '../src/plan'
import { blobSizes, figuresBasis, figuresFromMount, figuresFromSkopeo, noTransfer, parseSkopeoDebug } from '../src/transfer'

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8')
const d = (hex: string) => `sha256:${hex}`

describe('failure message', () => {
  it('says how many attempts were made when retries run out', () => {
    const last = toRegistryError('reading r', new CommandError('docker', ['x'], { exitCode: 1, stdout: '', stderr: 'connection refused' }))
    expect(failureMessage(new RetriesExhaustedError(3, last))).toMatch(/unreachable[\s\S]*gave up after 3 attempts/)
  })
})

describe('routes and argv', () => {
  const dest = parseImageReference('contoso.azurecr.io/prod/vote')
  it('chooses the route by where the source is, and whether it is an index', () => {
    expect(chooseRoute({ kind: 'layout', dir: '/l' }, dest, true)).toBe('push-layout')
    expect(chooseRoute({ kind: 'image', ref: parseImageReference('contoso.azurecr.io/staging/vote:1.0.0-rc.3') }, dest, true)).toBe('mount-copy')
    expect(chooseRoute({ kind: 'image', ref: parseImageReference('contosostaging.azurecr.io/vote:1.0.0-rc.3') }, dest, true)).toBe('cross-registry-copy')
    expect(chooseRoute({ kind: 'image', ref: parseImageReference('contoso.azurecr.io/prod/vote:sha-abc1234') }, dest, true)).toBe('retag')
    // buildx before 0.15 wraps a single manifest in a new index (docker/buildx util/imagetools/create.go): skopeo copies it.
    expect(chooseRoute({ kind: 'image', ref: parseImageReference('contoso.azurecr.io/staging/vote:amd64') }, dest, false)).toBe('manifest-copy')
  })

  it('tags by carbon copy: skopeo writes the bytes of the checked digest under the tag, children untouched', () => {
    const pushed = { ...dest, digest: d('c'.repeat(64)) }
    expect(skopeoTagArgs(pushed, { ...dest, tag: '1.2.3' }, '/runner/tmp/cfg/config.json')).toEqual([
      'copy', '--multi-arch', 'index-only', '--preserve-digests', '--retry-times', '0', '--authfile', '/runner/tmp/cfg/config.json',
      `docker://contoso.azurecr.io/prod/vote@${pushed.digest}`, 'docker://contoso.azurecr.io/prod/vote:1.2.3',
    ])
    expect(skopeoTagArgs({ registry: '127.0.0.1:5000', repository: 'v', digest: pushed.digest }, { registry: '127.0.0.1:5000', repository: 'v', tag: 'x' })).toEqual(
      expect.arrayContaining(['--src-tls-verify=false', '--dest-tls-verify=false']),
    )
  })

  it('pushes by digest with skopeo, the auth file as a path (never a secret) in argv', () => {
    const target = { ...dest, digest: d('a'.repeat(64)) }
    expect(skopeoCopyArgs('oci:/tmp/layout', target, '/runner/tmp/cfg/config.json')).toEqual([
      '--debug', 'copy', '--all', '--preserve-digests', '--retry-times', '0', '--authfile', '/runner/tmp/cfg/config.json',
      'oci:/tmp/layout', `docker://contoso.azurecr.io/prod/vote@${target.digest}`,
    ])
    const local = skopeoCopyArgs(`docker://127.0.0.1:5000/vote@${target.digest}`, { registry: '127.0.0.1:5001', repository: 'vote', digest: target.digest })
    expect(local).toContain('--src-tls-verify=false')
    expect(local).toContain('--dest-tls-verify=false')
  })

  it('tags with one imagetools call per set of tags', () => {
    const source = { ...dest, digest: d('b'.repeat(64)) }
    expect(imagetoolsCreateArgs([{ ...dest, tag: '1.2.3' }, { ...dest, tag: 'latest' }], source)).toEqual([
      'buildx', 'imagetools', 'create', '--progress', 'plain',
      '--tag', 'contoso.azurecr.io/prod/vote:1.2.3', '--tag', 'contoso.azurecr.io/prod/vote:latest', `contoso.azurecr.io/prod/vote@${source.digest}`,
    ])
  })
})

describe('platform gate and immutable tags', () => {
  it('names the missing platforms, after normalising both sides', () => {
    const required = parsePlatforms(['linux/amd64', 'linux/arm64/v8'])
    expect(missingRequired(required, ['linux/amd64', 'linux/arm64'])).toEqual([])
    expect(missingRequired(required, ['linux/amd64'])).toEqual(['linux/arm64'])
    expect(missingRequired([], [])).toEqual([])
    expect(platformGateMessage('r@x', ['linux/arm64'], ['linux/amd64'])).toMatch(/^r@x lacks required platform linux\/arm64 \(it has linux\/amd64\)/)
  })

  it('lists only tags that exist and point elsewhere', () => {
    const current = new Map([['1.2.3', d('1'.repeat(64))], ['new', undefined], ['same', d('2'.repeat(64))]])
    expect(movedTags(current, d('2'.repeat(64)))).toEqual(['1.2.3'])
  })
})

describe('bytes uploaded vs mounted', () => {
  const sizes = new Map([
    [d('db515663fb847523be7420d3d55489ffd76615e79fdba85a027d140cc2ee6245'), 200_000],
    [d('fe0715550fde1829ea5245462a05309fe0bdd057097a6fff9a2fd9c44c8cc368'), 200_000],
    [d('6c3bb41b20feed2f936dbb00619537716e7ddc00899892790109b765f7905d7e'), 60],
    [d('b4f7d9ceaa46145bd0ebcecacd132c776a6cc897edb595c99731a0a30c864c6d'), 163],
    [d('e937e27dea33487b2a0efd96e7fe9f52a01dd480edaf66777c2a4cbe903ebc78'), 94],
    [d('79816e182ca1e500e1b53f983d53d9f03155b84c7d8e218e37c22dd3b1b555f2'), 163],
  ])

  it('reads mounts and uploads from a real skopeo debug log (copy within one registry)', () => {
    const evidence = parseSkopeoDebug(fixture('skopeo-copy-mount-upload.log'))
    expect([...evidence.mounted].sort()).toEqual([...sizes.keys()].slice(0, 3).sort())
    expect([...evidence.uploaded].sort()).toEqual([...sizes.keys()].slice(3).sort())
    const figures = figuresFromSkopeo(sizes, evidence)
    expect(figures).toMatchObject({ uploadedBlobs: 3, uploadedBytes: 420, mountedBlobs: 3, mountedBytes: 400_060, presentBlobs: 0, totalBytes: 400_480 })
  })

  it('counts blobs that were neither uploaded nor mounted as already present (a repeated push)', () => {
    const figures = figuresFromSkopeo(sizes, parseSkopeoDebug(fixture('skopeo-push-present.log')))
    expect(figures).toMatchObject({ uploadedBytes: 0, mountedBytes: 0, presentBlobs: 6, presentBytes: 400_480 })
  })

  it('sizes every config and layer of the image and attestation manifests', () => {
    const manifest = (config: string, layers: Array<[string, number]>) =>
      JSON.stringify({ config: { digest: config, size: 10 }, layers: layers.map(([digest, size]) => ({ digest, size })) })
    const index = JSON.stringify({
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [
        { digest: d('a'.repeat(64)), size: 1, platform: { os: 'linux', architecture: 'amd64' } },
        { digest: d('b'.repeat(64)), size: 1, platform: { os: 'unknown', architecture: 'unknown' } },
      ],
    })
    const manifests = new Map([
      [d('a'.repeat(64)), manifest(d('c'.repeat(64)), [[d('e'.repeat(64)), 1000], [d('f'.repeat(64)), 500]])],
      [d('b'.repeat(64)), manifest(d('c'.repeat(64)), [[d('0'.repeat(64)), 7]])],
    ])
    const result = blobSizes(index, manifests)
    expect(result.size).toBe(4)
    expect(figuresFromMount(result)).toMatchObject({ uploadedBytes: 0, mountedBytes: 1517, totalBlobs: 4 })
  })
})

describe('honest figures', () => {
  it('labels buildx figures inferred, skopeo figures measured, a retag no-copy', () => {
    const sizes = new Map([[d('a'.repeat(64)), 10]])
    expect(figuresBasis(figuresFromMount(sizes))).toBe('inferred')
    expect(figuresBasis(figuresFromSkopeo(sizes, { uploaded: new Set([d('a'.repeat(64))]), mounted: new Set() }))).toBe('measured')
    expect(figuresBasis(noTransfer(sizes))).toBe('no-copy')
  })
})

describe('the temporary docker config', () => {
  it('keeps the plugins of the original docker config reachable from the temporary one', () => {
    expect(pluginDirs('/home/runner/.docker', undefined)).toEqual(['/home/runner/.docker/cli-plugins'])
    expect(pluginDirs('/home/runner/.docker', JSON.stringify({ cliPluginsExtraDirs: ['/opt/plugins', 'relative/ignored', 3] }))).toEqual([
      '/home/runner/.docker/cli-plugins',
      '/opt/plugins',
    ])
    expect(pluginDirs('/d', '{not json')).toEqual(['/d/cli-plugins'])
  })
})
