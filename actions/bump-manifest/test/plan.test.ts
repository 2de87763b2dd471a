import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parseRepository } from '@aks-gitops/toolkit'
import { ManifestError, planFile, type PlanRequest } from '../src/plan'
import { parsePathSpec } from '../src/targets'

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')
const DIGEST = `sha256:${'ab'.repeat(32)}`
const OLD_DIGEST = `sha256:${'1'.repeat(64)}`

function request(image: string, extra: Partial<PlanRequest> = {}): PlanRequest {
  return { image: parseRepository(image), ...extra }
}

/** The original with each [old, new] substring replaced exactly once: every other byte must stay. */
function replaced(text: string, pairs: [string, string][]): string {
  let result = text
  for (const [from, to] of pairs) {
    expect(result.split(from).length - 1, `"${from}" must occur once`).toBe(1)
    result = result.replace(from, to)
  }
  return result
}

describe('workload containers', () => {
  const vote = fixture('vote-multi.yaml')

  it('edits containers and initContainers by position, keeping quotes, comments, anchors, flow style and document markers', () => {
    const plan = planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { tag: '1.2.3' }))
    expect(plan.updated).toBe(
      replaced(vote, [
        ['image: myacr.azurecr.io/vote:1.0.0   # same', 'image: myacr.azurecr.io/vote:1.2.3   # same'],
        ["image: 'myacr.azurecr.io/vote:1.0.0'", "image: 'myacr.azurecr.io/vote:1.2.3'"],
      ]),
    )
    expect(plan.changes.map((c) => [c.location, c.previous, c.updated])).toEqual([
      ['Deployment/vote initContainers[migrate]', 'myacr.azurecr.io/vote:1.0.0', 'myacr.azurecr.io/vote:1.2.3'],
      ['Deployment/vote containers[vote]', 'myacr.azurecr.io/vote:1.0.0', 'myacr.azurecr.io/vote:1.2.3'],
    ])
  })

  it('keeps CRLF line endings byte for byte', () => {
    const crlf = vote.replace(/\n/g, '\r\n')
    const plan = planFile('vote.yaml', crlf, request('myacr.azurecr.io/vote', { tag: '1.2.3', digest: DIGEST }))
    const lf = planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { tag: '1.2.3', digest: DIGEST }))
    expect(plan.updated).toBe(lf.updated.replace(/\n/g, '\r\n'))
    expect(plan.updated).toContain(`'myacr.azurecr.io/vote:1.2.3@${DIGEST}'\r\n`)
  })

  it('limits the edit to the named container', () => {
    const plan = planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { tag: '2.0.0', container: 'migrate' }))
    expect(plan.changes.map((c) => c.target)).toEqual(['migrate'])
    expect(plan.updated).toContain("image: 'myacr.azurecr.io/vote:1.0.0'")
    expect(plan.updated).toContain('image: myacr.azurecr.io/vote:2.0.0   # same')
  })

  it('writes exactly the new components: a digest alone drops the old tag', () => {
    const plan = planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { digest: DIGEST, container: 'vote' }))
    expect(plan.changes[0]?.updated).toBe(`myacr.azurecr.io/vote@${DIGEST}`)
  })

  it('moves the image to new-name (promotion to another registry)', () => {
    const plan = planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { tag: '1.2.3', newName: 'prodacr.azurecr.io/vote' }))
    expect(plan.updated).toContain("image: 'prodacr.azurecr.io/vote:1.2.3'")
    expect(plan.updated).not.toContain('myacr.azurecr.io/vote:')
  })

  it('edits a flow-style container in place, leaving its other keys', () => {
    const plan = planFile('vote.yaml', vote, request('redis', { tag: '7.2-alpine' }))
    expect(plan.updated).toBe(
      replaced(vote, [['{name: cache, image: redis:7-alpine, ports', '{name: cache, image: redis:7.2-alpine, ports']]),
    )
  })

  it('matches docker.io names however they are written, in every workload kind, and ignores other kinds', () => {
    const text = fixture('workloads.yaml')
    const plan = planFile('workloads.yaml', text, request('docker.io/library/busybox', { tag: '1.37' }))
    expect(plan.changes.map((c) => c.location)).toEqual([
      'DaemonSet/agent initContainers[setup]',
      'DaemonSet/agent containers[agent]',
      'ReplicaSet/rs containers[rs]',
      'Job/job containers[job]',
      'CronJob/nightly containers[nightly]',
      'Pod/pod containers[pod]',
    ])
    expect(plan.updated).toContain('image: busybox:1.37\n      containers:')
    expect(plan.updated).toContain('image: "index.docker.io/library/busybox:1.37"}]')
    expect(plan.updated).toContain('image: docker.io/busybox:1.37\n')
    // The tag-only bump drops the CronJob's old digest, which would otherwise keep pinning the old image.
    expect(plan.updated).toContain('image: busybox:1.37\n---\napiVersion: v1\nkind: Pod')
    expect(plan.updated).toContain('image: busybox:1.37\n---\napiVersion: v1\nkind: ConfigMap')
    expect(plan.updated).toContain('data:\n  image: busybox:1.35\n')
    expect(plan.updated).toContain('image: postgres:16')
  })

  it('handles kind: List items', () => {
    const text = 'apiVersion: v1\nkind: List\nitems:\n  - kind: Pod\n    metadata: {name: a}\n    spec:\n      containers:\n        - {name: a, image: "a.io/x:1"}\n'
    const plan = planFile('list.yaml', text, request('a.io/x', { tag: '2' }))
    expect(plan.updated).toBe(text.replace('"a.io/x:1"', '"a.io/x:2"'))
  })

  it('is a no-op when the reference is already current', () => {
    const first = planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { tag: '1.2.3' }))
    const second = planFile('vote.yaml', first.updated, request('myacr.azurecr.io/vote', { tag: '1.2.3' }))
    expect(second.updated).toBe(first.updated)
    expect(second.changes.every((c) => c.edits.length === 0 && c.previous === c.updated)).toBe(true)
  })
})

describe('kustomization images: entries', () => {
  const kustomization = fixture('kustomization.yaml')

  it('sets newTag and digest, keeping the quoting and the comment', () => {
    const plan = planFile('overlays/staging/kustomization.yaml', kustomization, request('myacr.azurecr.io/vote', { tag: '1.2.3', digest: DIGEST }))
    expect(plan.updated).toBe(
      replaced(kustomization, [
        ['newTag: "1.0.0"   # bumped', 'newTag: "1.2.3"   # bumped'],
        [`digest: ${OLD_DIGEST}`, `digest: ${DIGEST}`],
      ]),
    )
    expect(plan.changes[0]).toMatchObject({ previous: `myacr.azurecr.io/vote:1.0.0@${OLD_DIGEST}`, updated: `myacr.azurecr.io/vote:1.2.3@${DIGEST}` })
  })

  it('removes a digest the new reference does not have (the last key of the entry)', () => {
    const plan = planFile('kustomization.yaml', kustomization, request('myacr.azurecr.io/vote', { tag: '1.2.4' }))
    expect(plan.updated).toBe(replaced(kustomization, [[`newTag: "1.0.0"   # bumped by CI\n    digest: ${OLD_DIGEST}\n`, 'newTag: "1.2.4"   # bumped by CI\n']]))
  })

  it('inserts a digest at the entry indentation and quotes a tag YAML would read as a number', () => {
    const plan = planFile('kustomization.yaml', kustomization, request('myacr.azurecr.io/result', { tag: '1.10', digest: DIGEST }))
    expect(plan.updated).toBe(replaced(kustomization, [['    newTag: 1.0.0\n', `    newTag: "1.10"\n    digest: ${DIGEST}\n`]]))
  })

  it('edits flow-style entries', () => {
    const plan = planFile('kustomization.yaml', kustomization, request('myacr.azurecr.io/worker', { tag: '2.0.0', digest: DIGEST }))
    expect(plan.updated).toBe(
      replaced(kustomization, [["{name: myacr.azurecr.io/worker, newTag: '1.0.0'}", `{name: myacr.azurecr.io/worker, newTag: '2.0.0', digest: ${DIGEST}}`]]),
    )
    const digestOnly = planFile('kustomization.yaml', plan.updated, request('myacr.azurecr.io/worker', { digest: DIGEST }))
    expect(digestOnly.updated).toContain(`{name: myacr.azurecr.io/worker, digest: ${DIGEST}}`)
  })

  it('matches an entry by newName or by docker.io-normalised name, and inserts newName for a promotion', () => {
    const byNewName = planFile('kustomization.yaml', kustomization, request('myacr.azurecr.io/mirror/redis', { tag: '7.2' }))
    expect(byNewName.updated).toBe(replaced(kustomization, [['newTag: "7"', 'newTag: "7.2"']]))
    const byName = planFile('kustomization.yaml', kustomization, request('docker.io/library/redis', { tag: '7.2' }))
    expect(byName.updated).toBe(byNewName.updated)
    const promoted = planFile('kustomization.yaml', kustomization, request('myacr.azurecr.io/result', { tag: '1.0.0', newName: 'prodacr.azurecr.io/result' }))
    expect(promoted.updated).toBe(replaced(kustomization, [['    newTag: 1.0.0\n', '    newTag: 1.0.0\n    newName: prodacr.azurecr.io/result\n']]))
  })

  it('keeps CRLF when it inserts a line', () => {
    const crlf = kustomization.replace(/\n/g, '\r\n')
    const plan = planFile('kustomization.yaml', crlf, request('myacr.azurecr.io/result', { tag: '1.0.0', digest: DIGEST }))
    expect(plan.updated).toBe(crlf.replace('    newTag: 1.0.0\r\n', `    newTag: 1.0.0\r\n    digest: ${DIGEST}\r\n`))
  })

  it('keeps a numeric tag as written in previous, and fills an empty or null value', () => {
    const text = 'kind: Kustomization\nimages:\n  - name: a.io/vote\n    newTag: 1.10\n  - name: a.io/result\n    newTag:\n    digest: ~\n'
    const vote = planFile('kustomization.yaml', text, request('a.io/vote', { tag: '1.11' }))
    expect(vote.changes[0]?.previous).toBe('a.io/vote:1.10')
    expect(vote.updated).toBe(text.replace('newTag: 1.10', 'newTag: "1.11"'))
    const result = planFile('kustomization.yaml', text, request('a.io/result', { tag: '2.0.0', digest: DIGEST }))
    expect(result.updated).toBe(text.replace('newTag:\n    digest: ~', `newTag: 2.0.0\n    digest: ${DIGEST}`))
  })

  it('refuses two entries that both match', () => {
    const text = 'kind: Kustomization\nimages:\n  - name: a.io/vote\n    newTag: "1"\n  - name: vote\n    newName: a.io/vote\n'
    expect(() => planFile('kustomization.yaml', text, request('a.io/vote', { tag: '2' }))).toThrow(/matches 2 images: entries/)
  })
})

describe('generic paths (Helm values and other YAML)', () => {
  const values = fixture('values.yaml')

  it('sets tag and digest fields at their paths', () => {
    const paths = [parsePathSpec('image.tag=tag'), parsePathSpec('image.digest=digest')]
    const plan = planFile('values.yaml', values, request('myacr.azurecr.io/vote', { tag: '1.2.3', digest: DIGEST, paths }))
    expect(plan.updated).toBe(replaced(values, [['tag: "1.0.0"   # set', 'tag: "1.2.3"   # set'], ['digest: ""', `digest: "${DIGEST}"`]]))
  })

  it('sets a full reference and checks it belongs to the image', () => {
    const paths = [parsePathSpec('worker.image'), parsePathSpec('sidecars[0].image')]
    const plan = planFile('values.yaml', values, request('myacr.azurecr.io/worker', { tag: '2.0.0', paths }))
    expect(plan.updated).toBe(replaced(values, [['image: myacr.azurecr.io/worker:1.0.0', 'image: myacr.azurecr.io/worker:2.0.0']]))
    const sidecar = planFile('values.yaml', values, request('busybox', { tag: '1.37', paths }))
    expect(sidecar.updated).toBe(replaced(values, [["image: 'busybox:1.36'", "image: 'busybox:1.37'"]]))
  })

  it('rejects bad path syntax and paths to maps', () => {
    expect(() => parsePathSpec('image..tag')).toThrow(/not a path/)
    expect(() => parsePathSpec('image.tag=version')).toThrow(/reference, repository, tag or digest/)
    expect(() => planFile('values.yaml', values, request('myacr.azurecr.io/vote', { tag: '1', paths: [parsePathSpec('image')] }))).toThrow(
      /is a map, not a single value/,
    )
  })
})

describe('refusals', () => {
  it('refuses YAML that does not parse', () => {
    expect(() => planFile('broken.yaml', fixture('broken.yaml'), request('a.io/x', { tag: '1' }))).toThrow(ManifestError)
    expect(() => planFile('broken.yaml', fixture('broken.yaml'), request('a.io/x', { tag: '1' }))).toThrow(/broken.yaml: the YAML does not parse/)
  })

  it('refuses a file where nothing matches, unless allow-no-match', () => {
    const vote = fixture('vote-multi.yaml')
    expect(() => planFile('vote.yaml', vote, request('myacr.azurecr.io/result', { tag: '1' }))).toThrow(/nothing references myacr.azurecr.io\/result/)
    expect(() => planFile('vote.yaml', vote, request('myacr.azurecr.io/vote', { tag: '1', container: 'nope' }))).toThrow(/container named "nope"/)
    const skipped = planFile('vote.yaml', vote, request('myacr.azurecr.io/result', { tag: '1', allowNoMatch: true }))
    expect(skipped.updated).toBe(vote)
  })

  it('refuses one image at two references in one workload unless container chooses', () => {
    const canary = fixture('canary.yaml')
    expect(() => planFile('canary.yaml', canary, request('myacr.azurecr.io/vote', { tag: '2' }))).toThrow(/set the container input/)
    const plan = planFile('canary.yaml', canary, request('myacr.azurecr.io/vote', { tag: '2', container: 'canary' }))
    expect(plan.updated).toBe(canary.replace('vote:1.1.0-rc.1', 'vote:2'))
  })

  it('refuses to edit through an alias', () => {
    expect(() => planFile('alias.yaml', fixture('alias.yaml'), request('myacr.azurecr.io/vote', { tag: '2' }))).toThrow(/is an alias \(\*img\)/)
  })
})
