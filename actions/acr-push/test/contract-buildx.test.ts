// The contract between the actions: buildx-multiarch's no-push path exports an OCI layout
// (output oci-layout), and acr-push publishes it with the index digest buildx-multiarch reported.
// Both committed bundles run as the runner runs them; the image is a tiny FROM scratch one.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '@aks-gitops/test-support/action-runner'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

let registry: TestRegistry
beforeAll(async () => {
  registry = await startRegistry()
})
afterAll(async () => {
  await registry.stop()
})

/** buildx-multiarch's committed bundle building a tiny FROM scratch image (a file saying `text`) with push false, on `ref`. */
async function buildLayout(text: string, inputs: Record<string, string>, ref: string, runNumber: string) {
  const workspace = mkdtempSync(join(tmpdir(), 'acr-push-contract-'))
  mkdirSync(join(workspace, 'app'))
  writeFileSync(join(workspace, 'app', 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /hello.txt\n')
  writeFileSync(join(workspace, 'app', 'hello.txt'), `${text} ${workspace}\n`)
  const build = await runAction({
    action: 'actions/buildx-multiarch',
    inputs: { ...inputs, context: 'app', push: 'false', 'oci-layout': join(workspace, 'layout') },
    env: { GITHUB_WORKSPACE: workspace, GITHUB_REF: ref, GITHUB_SHA: 'c0ffee'.padEnd(40, '0'), GITHUB_RUN_NUMBER: runNumber },
    cwd: workspace,
    timeoutMs: 300_000,
  })
  expect(build.errors).toEqual([])
  return { workspace, build }
}

it('publishes the layout buildx-multiarch exports, keeping its digest and platforms', async () => {
  const { workspace, build } = await buildLayout('hello', { image: `${registry.host}/contract/hello` }, 'refs/heads/develop', '7')
  expect(build.outputs['oci-layout']).toBe(join(workspace, 'layout'))

  const push = await runAcrPush({ source: build.outputs['oci-layout'] ?? '', destination: `${registry.host}/contract/hello`, tags: 'sha-c0ffee0', auth: 'none' })
  expect(push.errors).toEqual([])
  expect(push.outputs.digest).toBe(build.outputs.digest)
  expect(push.outputs.platforms).toBe('linux/amd64,linux/arm64')
  expect(await registryDigest(registry.host, 'contract/hello', 'sha-c0ffee0')).toBe(build.outputs.digest)
}, 300_000)

// A release branch: two tags (X.Y.Z-rc.N and sha-<7>). On a docker-container builder BuildKit
// >= 0.19 named the layout once per --tag, which acr-push refused (layout-names.test.ts holds that
// exact shape); on this engine the same flow runs end to end and must publish both tags.
it('publishes a release branch build (two tags) with the digest buildx-multiarch reported', async () => {
  const { build } = await buildLayout('release', { image: `${registry.host}/contract/release`, service: 'release' }, 'refs/heads/release/release/v1.2.0', '3')
  expect(build.outputs.tags).toBe(`${registry.host}/contract/release:1.2.0-rc.3\n${registry.host}/contract/release:sha-c0ffee0`)
  const tags = (build.outputs.tags ?? '').split('\n').map((ref) => ref.slice(ref.lastIndexOf(':') + 1))
  const push = await runAcrPush({ source: build.outputs['oci-layout'] ?? '', destination: `${registry.host}/contract/release`, tags: tags.join('\n'), auth: 'none' })
  expect(push.errors).toEqual([])
  expect(push.outputs.digest).toBe(build.outputs.digest)
  for (const tag of tags) expect(await registryDigest(registry.host, 'contract/release', tag)).toBe(build.outputs.digest)
}, 300_000)
