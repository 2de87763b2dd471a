// verify-only reports the commit the image was built from (org.opencontainers.image.revision, on
// the index or only in the first image's config label): the redeploy hands it to bump-manifest's
// source-commit, which orders sha-<7> images by it. A real registry, the committed bundle.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runAcrPush } from './helpers/action'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

const BOTH = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]
const REVISION = 'org.opencontainers.image.revision'
let registry: TestRegistry

async function publish(tag: string, extra: Omit<Parameters<typeof writeLayout>[1], 'platforms'>): Promise<void> {
  const layout = writeLayout(mkdtempSync(join(tmpdir(), 'revision-layout-')), { ...extra, platforms: BOTH })
  const run = await runAcrPush({ source: layout.dir, destination: `${registry.host}/vote`, tags: tag, auth: 'none' })
  expect(run.errors).toEqual([])
}

beforeAll(async () => {
  registry = await startRegistry()
  await publish('annotated', { indexAnnotations: { [REVISION]: 'a'.repeat(40) } })
  await publish('labelled', { labels: { [REVISION]: 'b'.repeat(40) } })
  await publish('plain', {})
})
afterAll(async () => registry?.stop())

describe('verify-only revision', () => {
  it.each([
    ['annotated', 'a'.repeat(40)],
    ['labelled', 'b'.repeat(40)],
    ['plain', ''],
  ])('%s image: revision %j', async (tag, revision) => {
    const run = await runAcrPush({ source: `${registry.host}/vote:${tag}`, 'verify-only': 'true', auth: 'none' })
    expect(run.errors).toEqual([])
    expect(run.outputs.revision).toBe(revision)
  })
})
