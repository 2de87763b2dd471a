// The OCI image layout contract both actions share: which image index.json names when BuildKit
// >= 0.19 names it once per `--tag` (client/ociindex StoreIndex.Put, commit 01cf0c69f: one entry
// per name with `io.containerd.image.name` and `org.opencontainers.image.ref.name`), a single
// manifest's platform, and the annotation and label keys.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import {
  configPlatform,
  distinctEntries,
  layoutImage,
  OCI_IMAGE_KEY_PREFIX,
  readLayoutEntries,
  REF_NAME_ANNOTATION,
  REVISION_LABEL,
} from '../src/index'

const INDEX = 'application/vnd.oci.image.index.v1+json'

/** The index.json entry BuildKit's ociindex writes for one name (`repo:tag`) of the image: the full name and the tag as its ref name. */
function entry(digest: string, size: number, name: string) {
  const tag = name.slice(name.lastIndexOf(':') + 1)
  const annotations = { 'io.containerd.image.name': name, 'org.opencontainers.image.created': '2026-11-30T05:00:00Z', [REF_NAME_ANNOTATION]: tag }
  return { mediaType: INDEX, digest, size, annotations }
}

const dirs: string[] = []
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

function layoutDir(indexJson: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'oci-layout-'))
  dirs.push(dir)
  writeFileSync(join(dir, 'index.json'), indexJson)
  return dir
}

describe('the org.opencontainers.image.* keys', () => {
  it('are the pre-defined annotation keys of the image spec', () => {
    expect(OCI_IMAGE_KEY_PREFIX).toBe('org.opencontainers.image.')
    expect(REF_NAME_ANNOTATION).toBe('org.opencontainers.image.ref.name')
    expect(REVISION_LABEL).toBe('org.opencontainers.image.revision')
  })
})

describe('readLayoutEntries', () => {
  it("returns index.json's entries as written, several naming one digest included", () => {
    const digest = `sha256:${'a'.repeat(64)}`
    const entries = [entry(digest, 10, 'r.io/vote:1.2.0-rc.3'), entry(digest, 10, 'r.io/vote:sha-0123456')]
    expect(readLayoutEntries(layoutDir(JSON.stringify({ schemaVersion: 2, manifests: entries })))).toEqual(entries)
  })
  it('reads an index.json without manifests as naming nothing, and refuses one that is missing or not JSON', () => {
    expect(readLayoutEntries(layoutDir('{"schemaVersion":2}'))).toEqual([])
    const broken = layoutDir('{')
    expect(() => readLayoutEntries(broken)).toThrow(new RegExp(`^the OCI layout at ${broken} has an unreadable index\\.json: `))
    const missing = join(broken, 'absent')
    expect(() => readLayoutEntries(missing)).toThrow(new RegExp(`^the OCI layout at ${missing} has an unreadable index\\.json: ENOENT`))
  })
})

describe('distinctEntries', () => {
  it('keeps the first entry of each digest, in order', () => {
    const a = `sha256:${'a'.repeat(64)}`
    const b = `sha256:${'b'.repeat(64)}`
    const entries = [entry(a, 10, 'r.io/vote:x'), entry(b, 10, 'r.io/vote:y'), entry(a, 10, 'r.io/vote:z')]
    expect(distinctEntries(entries)).toEqual([entries[0], entries[1]])
    expect(distinctEntries([])).toEqual([])
  })
})

describe('layoutImage', () => {
  const digest = `sha256:${'a'.repeat(64)}`
  const other = `sha256:${'b'.repeat(64)}`
  it('takes one entry as it is, and several naming one digest by the first ref name', () => {
    expect(layoutImage('/l', [entry(digest, 10, 'r.io/vote:1.2.0-rc.3')])).toEqual({ digest, source: 'oci:/l' })
    expect(layoutImage('/l', [entry(digest, 10, 'r.io/vote:1.2.0-rc.3'), entry(digest, 10, 'r.io/vote:sha-0123456')])).toEqual({ digest, source: 'oci:/l:1.2.0-rc.3' })
  })
  it('refuses entries naming different images, an empty index.json and unnamed duplicates', () => {
    expect(() => layoutImage('/l', [entry(digest, 10, 'r.io/vote:a'), entry(other, 10, 'r.io/vote:b')])).toThrow(
      `the OCI layout at /l names 2 different images in index.json (a -> ${digest}, b -> ${other}); it must hold one image (entries naming the same digest are fine)`,
    )
    expect(() => layoutImage('/l', [])).toThrow('the OCI layout at /l names no image in index.json')
    expect(() => layoutImage('/l', [{ digest }, { digest }])).toThrow(/names sha256:a+ 2 times in index\.json without an org\.opencontainers\.image\.ref\.name annotation/)
  })
})

describe('configPlatform', () => {
  const config = (value: object) => JSON.stringify({ ...value, rootfs: { type: 'layers', diff_ids: [] } })
  it('gives the platform an image config names, normalised as index entries are compared', () => {
    expect(configPlatform(config({ os: 'linux', architecture: 'amd64' }))).toEqual({ os: 'linux', architecture: 'amd64' })
    expect(configPlatform(config({ os: 'linux', architecture: 'arm64', variant: 'v8' }))).toEqual({ os: 'linux', architecture: 'arm64' })
    expect(configPlatform(config({ os: 'linux', architecture: 'arm' }))).toEqual({ os: 'linux', architecture: 'arm', variant: 'v7' })
    expect(configPlatform(config({ os: 'linux', architecture: 'amd64', variant: '' }))).toEqual({ os: 'linux', architecture: 'amd64' })
  })
  it('keeps a platform it does not know as written', () => {
    expect(configPlatform(config({ os: 'plan9', architecture: 'amd64' }))).toEqual({ os: 'plan9', architecture: 'amd64' })
  })
  it('gives none for an attestation (unknown/unknown) or a config without os and architecture', () => {
    expect(configPlatform(config({ os: 'unknown', architecture: 'unknown' }))).toBeUndefined()
    expect(configPlatform(config({ architecture: 'amd64' }))).toBeUndefined()
    expect(configPlatform(config({ os: 'linux' }))).toBeUndefined()
  })
})
