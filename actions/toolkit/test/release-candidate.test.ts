import { describe, expect, it } from 'vitest'
import {
  candidateOrder,
  imageRevision,
  judgeCandidate,
  noCandidateMessage,
  rcTags,
  stagingPin,
  type CandidateFacts,
} from '../src/release-candidate'
import { rcNumber } from '../src/gitflow'

const D1 = `sha256:${'1'.repeat(64)}`
const D2 = `sha256:${'2'.repeat(64)}`
const REV = 'a'.repeat(40)
const TARGET = 'b'.repeat(40)

describe('rc tags', () => {
  it('recognises X.Y.Z-rc.N of exactly that version', () => {
    expect(rcNumber('1.2.0', '1.2.0-rc.7')).toBe(7)
    expect(rcNumber('1.2.0', '1.2.0-rc.0')).toBe(0)
    expect(rcNumber('1.2.0', '1.2.0')).toBeUndefined()
    expect(rcNumber('1.2.0', '1.2.0-rc.07')).toBeUndefined()
    expect(rcNumber('1.2.0', '1.2.0-rc.7x')).toBeUndefined()
    expect(rcNumber('1.2.0', '11.2.0-rc.7')).toBeUndefined()
    expect(rcNumber('1.2.0', '1.2.01-rc.7')).toBeUndefined()
    expect(rcNumber('1.2.0', 'sha-1234567')).toBeUndefined()
  })
  it('orders candidates by N, not as text', () => {
    expect(rcTags('1.0.0', ['1.0.0-rc.9', 'sha-abcdef0', '1.0.0-rc.10', '1.0.1-rc.99', '1.0.0-rc.2', '1.0.0'])).toEqual(['1.0.0-rc.10', '1.0.0-rc.9', '1.0.0-rc.2'])
  })
})

describe('stagingPin', () => {
  const kustomization = {
    images: [
      { name: 'vote', newName: 'stagingacr.azurecr.io/vote', newTag: '1.0.0-rc.3', digest: D1 },
      { name: 'redis', newTag: '7.4-bookworm', digest: D2 },
    ],
  }
  it('reads a kustomize images: entry by its newName', () => {
    expect(stagingPin([kustomization], 'stagingacr.azurecr.io/vote')).toEqual({ repository: 'stagingacr.azurecr.io/vote', tag: '1.0.0-rc.3', digest: D1 })
  })
  it('reads a container image reference, with a registry port', () => {
    const deployment = { kind: 'Deployment', spec: { template: { spec: { containers: [{ name: 'vote', image: `127.0.0.1:5000/ns/vote:1.0.0-rc.1@${D2}` }] } } } }
    expect(stagingPin([null, deployment], '127.0.0.1:5000/ns/vote')).toEqual({ repository: '127.0.0.1:5000/ns/vote', tag: '1.0.0-rc.1', digest: D2 })
  })
  it('reads a container image as image-ref.ts does: normalised, and a placeholder pins nothing', () => {
    const pod = (image: string) => ({ spec: { containers: [{ name: 'c', image }] } })
    expect(stagingPin([pod(`vote:1.0.0-rc.2@${D1}`)], 'docker.io/library/vote')).toEqual({ repository: 'docker.io/library/vote', tag: '1.0.0-rc.2', digest: D1 })
    expect(stagingPin([pod('${IMAGE}'), pod(`r.io/vote@${D2}`)], 'r.io/vote')).toEqual({ repository: 'r.io/vote', digest: D2 })
    expect(stagingPin([pod(`R.io/Vote:1@${D1}`)], 'R.io/Vote')).toBeUndefined()
  })
  it('is undefined when nothing pins the repository', () => {
    expect(stagingPin([kustomization], 'stagingacr.azurecr.io/result')).toBeUndefined()
  })
})

describe('candidateOrder', () => {
  const tags = ['1.0.0-rc.1', '1.0.0-rc.2', '1.0.0-rc.3', 'sha-0123456']
  it('prefers the pin when it is a candidate of the version, then the newest tags', () => {
    const pin = { repository: 'r/vote', tag: '1.0.0-rc.2', digest: D1 }
    expect(candidateOrder('1.0.0', pin, tags)).toEqual([
      { tag: '1.0.0-rc.2', origin: 'staging-manifest', digest: D1 },
      { tag: '1.0.0-rc.3', origin: 'registry' },
      { tag: '1.0.0-rc.1', origin: 'registry' },
    ])
  })
  it('ignores a pin of another kind (a develop build) or without digest', () => {
    expect(candidateOrder('1.0.0', { repository: 'r/vote', tag: 'sha-0123456', digest: D1 }, tags).map((c) => c.origin)).toEqual(['registry', 'registry', 'registry'])
    expect(candidateOrder('1.0.0', { repository: 'r/vote', tag: '1.0.0-rc.2' }, tags)[0]).toEqual({ tag: '1.0.0-rc.3', origin: 'registry' })
    expect(candidateOrder('1.0.0', { repository: 'r/vote', tag: '0.9.0-rc.4', digest: D1 }, tags).map((c) => c.origin)).toEqual(['registry', 'registry', 'registry'])
  })
  it('examines at most the limit', () => {
    expect(candidateOrder('1.0.0', undefined, tags, 2).map((c) => c.tag)).toEqual(['1.0.0-rc.3', '1.0.0-rc.2'])
  })
})

describe('judgeCandidate', () => {
  const facts = (over: Partial<CandidateFacts>): CandidateFacts => ({ tag: '1.0.0-rc.3', origin: 'registry', digest: D1, revision: REV, ancestry: 'ancestor', changedFiles: [], ...over })
  it('accepts an ancestor with no change to the service paths', () => {
    expect(judgeCandidate(facts({}), TARGET)).toEqual({ ok: true })
  })
  it.each([
    [{ revision: undefined }, /no org\.opencontainers\.image\.revision/],
    [{ ancestry: 'unknown-commit' as const }, /aaaaaaaaaaaa, which the checkout does not have .*fetch-depth: 0/],
    [{ ancestry: 'not-ancestor' as const }, /aaaaaaaaaaaa, which is not an ancestor of the tagged commit bbbbbbbbbbbb/],
    [{ changedFiles: ['apps/vote/src/app.ts', 'pnpm-lock.yaml'], changedBy: 'c'.repeat(40) }, /paths changed after it: commit cccccccccccc changed apps\/vote\/src\/app\.ts, pnpm-lock\.yaml/],
    [{ changedFiles: ['1', '2', '3', '4', '5', '6', '7'] }, /changed after it: 1, 2, 3, 4, 5 and 2 more/],
  ])('refuses %j', (over, reason) => {
    const verdict = judgeCandidate(facts(over), TARGET)
    expect(verdict.ok).toBe(false)
    expect(verdict.ok ? '' : verdict.reason).toMatch(reason)
  })
})

describe('noCandidateMessage', () => {
  it('says that no rc exists, what staging runs, and what to do', () => {
    const message = noCandidateMessage({ version: '2.0.0', repository: 'r/vote', target: TARGET, pin: { repository: 'r/vote', tag: 'sha-0123456', digest: D1 }, rejected: [] })
    expect(message).toMatch(/^No release candidate of 2\.0\.0 in r\/vote: no tag 2\.0\.0-rc\.<N> exists there \(staging pins r\/vote:sha-0123456@sha256:1{64}, not a candidate of 2\.0\.0\)/)
    expect(message).toMatch(/push to the release branch \(release\/<service>\/v2\.0\.0\)/)
  })
  it('lists every candidate it refused, with why', () => {
    const message = noCandidateMessage({
      version: '1.0.0',
      repository: 'r/vote',
      target: TARGET,
      rejected: [
        { facts: { tag: '1.0.0-rc.3', origin: 'staging-manifest' }, reason: 'was built from x, which is not an ancestor' },
        { facts: { tag: '1.0.0-rc.2', origin: 'registry' }, reason: 'has no label' },
      ],
    })
    expect(message.split('\n')).toEqual([
      'No release candidate of 1.0.0 in r/vote can be promoted to the tagged commit bbbbbbbbbbbb (the staging manifests pin no r/vote):',
      '  - 1.0.0-rc.3 (pinned in staging) was built from x, which is not an ancestor',
      '  - 1.0.0-rc.2 has no label',
      expect.stringMatching(/^To release this commit, push to the release branch/),
    ])
  })
})

describe('imageRevision', () => {
  it('reads the index annotation buildx-multiarch writes, else the config label', () => {
    expect(imageRevision(JSON.stringify({ annotations: { 'org.opencontainers.image.revision': REV } }))).toBe(REV)
    expect(imageRevision('{}', JSON.stringify({ config: { Labels: { 'org.opencontainers.image.revision': TARGET } } }))).toBe(TARGET)
    expect(imageRevision('{}', JSON.stringify({ config: { Labels: null } }))).toBeUndefined()
    expect(imageRevision('{}')).toBeUndefined()
  })
})
