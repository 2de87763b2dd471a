import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { imagesInRender, kustomizeImageName, renderDiff } from '../../pipeline/gitops'

const RENDER = `apiVersion: v1
kind: Service
metadata: {name: vote, namespace: vote-staging}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: vote
  namespace: vote-staging
spec:
  template:
    spec:
      initContainers:
        - name: wait
          image: r.io/tools:1
      containers:
        - name: vote
          image: 127.0.0.1:5000/vote:1.0.0-rc.1@sha256:${'a'.repeat(64)}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: sweep, namespace: vote-staging}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - {name: sweep, image: 'redis:7'}
`

describe('rendered manifests', () => {
  it('lists every container image with its workload', () => {
    expect(imagesInRender(RENDER)).toEqual([
      { workload: 'Deployment/vote-staging/vote', container: 'wait', image: 'r.io/tools:1' },
      { workload: 'Deployment/vote-staging/vote', container: 'vote', image: `127.0.0.1:5000/vote:1.0.0-rc.1@sha256:${'a'.repeat(64)}` },
      { workload: 'CronJob/vote-staging/sweep', container: 'sweep', image: 'redis:7' },
    ])
  })
  it('diffs two renders, and finds no difference in equal ones', () => {
    const after = RENDER.replace('1.0.0-rc.1', '1.0.0-rc.2')
    const diff = renderDiff(RENDER, after, ['before', 'after'])
    expect(diff).toContain('--- before')
    expect(diff).toContain('-          image: 127.0.0.1:5000/vote:1.0.0-rc.1')
    expect(diff).toContain('+          image: 127.0.0.1:5000/vote:1.0.0-rc.2')
    expect(renderDiff(RENDER, RENDER, ['a', 'b'])).toBe('')
  })
  it('finds the kustomize images entry of a service by name or newName', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kz-'))
    const file = join(dir, 'kustomization.yaml')
    writeFileSync(file, 'images:\n  - name: vote\n    newName: myacr.azurecr.io/vote\n  - name: app-result\n    newName: 127.0.0.1:5001/result\n')
    expect(kustomizeImageName(file, 'vote')).toBe('vote')
    expect(kustomizeImageName(file, 'result')).toBe('app-result')
    expect(() => kustomizeImageName(file, 'worker')).toThrow(/no images: entry for worker/)
  })
})
