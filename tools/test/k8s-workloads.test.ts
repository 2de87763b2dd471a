// The manifest checks and the local pipeline's render reader know every workload kind
// bump-manifest edits: one table, the toolkit's POD_SPEC_PATHS.
import { describe, expect, it } from 'vitest'
import { POD_SPEC_PATHS } from '@aks-gitops/toolkit'
import { imagesInRender } from '../pipeline/gitops'
import { workloadProblems, type K8sObject } from './k8s-checks'

/** A workload of `kind` whose pod pins an architecture, at that kind's pod spec path. */
function pinnedWorkload(kind: string): K8sObject {
  const pod = { nodeSelector: { 'kubernetes.io/arch': 'amd64' }, containers: [{ name: 'app', image: 'acr.example.io/app:1.0.0' }] }
  const object: Record<string, unknown> = { apiVersion: 'v1', kind, metadata: { name: 'x', namespace: 'vote' } }
  const path = POD_SPEC_PATHS[kind] ?? []
  let node = object
  for (const key of path.slice(0, -1)) node = (node[key] = {}) as Record<string, unknown>
  node[path.at(-1) ?? 'spec'] = pod
  return object as K8sObject
}

describe('every workload kind in the toolkit table', () => {
  it.each(Object.keys(POD_SPEC_PATHS))('%s: its pod spec is checked by the manifest rules', (kind) => {
    expect(workloadProblems([pinnedWorkload(kind)], 'vote')).toContain(`${kind}/x: nodeSelector pins kubernetes.io/arch (nodes may be amd64 or arm64)`)
  })

  it('includes ReplicationController, which bump-manifest edits', () => {
    expect(Object.keys(POD_SPEC_PATHS)).toContain('ReplicationController')
  })

  it.each(Object.keys(POD_SPEC_PATHS))('%s: the local pipeline finds its images in a render', (kind) => {
    expect(imagesInRender(JSON.stringify(pinnedWorkload(kind)))).toEqual([{ workload: `${kind}/vote/x`, container: 'app', image: 'acr.example.io/app:1.0.0' }])
  })

  it('reads no pod spec from a kind that has none', () => {
    expect(imagesInRender(JSON.stringify({ kind: 'Service', metadata: { name: 's' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'i' }] } } } }))).toEqual([])
  })
})
