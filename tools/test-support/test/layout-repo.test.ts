// The hand-written layout is a valid OCI layout by the toolkit's own rules (blob paths, digests,
// media types), and `git` commits with the fixed identity through the toolkit's GIT_CONFIG_* rule.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { blobPath, MEDIA_TYPES, parseIndex, readLayoutEntries, sha256Digest } from '@aks-gitops/toolkit'
import { writeLayout } from '../src/layout'
import { git } from '../src/repo'

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})
const temp = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  dirs.push(dir)
  return dir
}

describe('writeLayout', () => {
  it('writes every blob where the toolkit looks for it, named by its sha256, and an index.json naming the index', () => {
    const layout = writeLayout(temp('ts-layout-'), { platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }], attestations: true })
    for (const hex of readdirSync(join(layout.dir, 'blobs', 'sha256'))) {
      const digest = `sha256:${hex}`
      expect(sha256Digest(readFileSync(blobPath(layout.dir, digest)))).toBe(digest)
    }
    expect(readLayoutEntries(layout.dir).map((e) => [e.mediaType, e.digest])).toEqual([[MEDIA_TYPES.ociIndex, layout.indexDigest]])
    const index = parseIndex(readFileSync(blobPath(layout.dir, layout.indexDigest), 'utf8'))
    expect(index.images.map((d) => d.mediaType)).toEqual([MEDIA_TYPES.ociManifest, MEDIA_TYPES.ociManifest])
    expect(index.attestations).toHaveLength(2)
  })
})

describe('git', () => {
  it('commits as the fixed identity on a machine with no git user configured', () => {
    const dir = temp('ts-repo-')
    git(dir, 'init', '--quiet')
    git(dir, 'commit', '--quiet', '--allow-empty', '-m', 'first')
    expect(git(dir, 'log', '-1', '--format=%an <%ae>')).toBe('t <t@example.com>')
    // A test's own -c wins over the environment's identity.
    git(dir, '-c', 'user.name=other', 'commit', '--quiet', '--allow-empty', '-m', 'second')
    expect(git(dir, 'log', '-1', '--format=%an')).toBe('other')
  })
})
