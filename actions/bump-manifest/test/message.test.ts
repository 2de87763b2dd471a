import { describe, expect, it } from 'vitest'
import { commitMessage, renderTemplate, skipMarker, TRAILER, unknownPlaceholders, type MessageValues } from '../src/message'
import type { FilePlan } from '../src/plan'

const DIGEST = `sha256:abcd${'0'.repeat(60)}`
const values: MessageValues = {
  image: 'myacr.azurecr.io/vote',
  tag: '1.2.3-rc.4',
  digest: DIGEST,
  files: ['k8s-specifications/overlays/staging/kustomization.yaml'],
  environment: 'staging',
  branch: 'develop',
  previous: ['myacr.azurecr.io/vote:1.2.2'],
}
const plans: FilePlan[] = [
  {
    path: 'k8s-specifications/overlays/staging/kustomization.yaml',
    original: 'a',
    updated: 'b',
    changes: [
      {
        kind: 'kustomize',
        document: 0,
        location: 'images[myacr.azurecr.io/vote]',
        target: 'myacr.azurecr.io/vote',
        previous: 'myacr.azurecr.io/vote:1.2.2',
        updated: `myacr.azurecr.io/vote:1.2.3-rc.4@${DIGEST}`,
        edits: [],
      },
    ],
  },
]

describe('commit message', () => {
  it('says what changed, lists each change and ends with the Bumped-by trailer', () => {
    const message = commitMessage(undefined, values, plans)
    expect(message).toBe(
      [
        'deploy(vote): myacr.azurecr.io/vote 1.2.3-rc.4@sha256:abcd00000000… → staging',
        '',
        `- k8s-specifications/overlays/staging/kustomization.yaml: images[myacr.azurecr.io/vote]: myacr.azurecr.io/vote:1.2.2 → myacr.azurecr.io/vote:1.2.3-rc.4@${DIGEST}`,
        '',
        TRAILER,
        '',
      ].join('\n'),
    )
    expect(skipMarker(message)).toBeUndefined()
  })

  it('names the files when no environment is given', () => {
    const message = commitMessage(undefined, { ...values, environment: undefined, digest: undefined }, plans)
    expect(message.split('\n')[0]).toBe('deploy(vote): myacr.azurecr.io/vote 1.2.3-rc.4 in k8s-specifications/overlays/staging/kustomization.yaml')
  })

  it('renders every placeholder of a custom template and keeps one trailer', () => {
    expect(renderTemplate('{name} {tag} {digest} {short-digest} {branch} {previous} {environment}', values)).toBe(
      `vote 1.2.3-rc.4 ${DIGEST} sha256:abcd00000000… develop myacr.azurecr.io/vote:1.2.2 staging`,
    )
    const custom = commitMessage(`chore: bump {image}\n\n${TRAILER}`, values, [])
    expect(custom.split(TRAILER)).toHaveLength(2)
  })

  it('recognises every GitHub skip marker and unknown placeholders', () => {
    for (const marker of ['[skip ci]', '[ci skip]', '[no ci]', '[skip actions]', '[actions skip]', '[Skip CI]']) {
      expect(skipMarker(`deploy ${marker}`)).toBe(marker)
    }
    expect(skipMarker('deploy\n\nskip-checks: true')).toBe('skip-checks: true')
    expect(skipMarker('deploy: skip the checks')).toBeUndefined()
    expect(unknownPlaceholders('{image} {imgae} {tag}')).toEqual(['imgae'])
  })
})
