import { describe, expect, it } from 'vitest'
import { podContainers, podSpecPath, POD_CONTAINER_LISTS, POD_SPEC_PATHS } from '../src/workloads'

describe('podSpecPath', () => {
  it('finds the pod spec of every workload kind, the CronJob one inside its Job template', () => {
    expect(podSpecPath('Pod')).toEqual(['spec'])
    expect(podSpecPath('ReplicationController')).toEqual(['spec', 'template', 'spec'])
    expect(podSpecPath('CronJob')).toEqual(['spec', 'jobTemplate', 'spec', 'template', 'spec'])
    expect(Object.keys(POD_SPEC_PATHS).sort()).toEqual(['CronJob', 'DaemonSet', 'Deployment', 'Job', 'Pod', 'ReplicaSet', 'ReplicationController', 'StatefulSet'])
  })

  it('knows no pod spec for other kinds, nor for names of Object.prototype', () => {
    for (const kind of ['Service', 'ConfigMap', 'List', 'toString', 'constructor', undefined]) expect(podSpecPath(kind), String(kind)).toBeUndefined()
  })
})

describe('podContainers', () => {
  it('lists init containers, then containers, each with its list', () => {
    expect(POD_CONTAINER_LISTS).toEqual(['initContainers', 'containers'])
    const spec = { containers: [{ name: 'app' }, { name: 'sidecar' }], initContainers: [{ name: 'migrate' }], volumes: [{ name: 'v' }] }
    expect(podContainers(spec)).toEqual([
      { list: 'initContainers', container: { name: 'migrate' } },
      { list: 'containers', container: { name: 'app' } },
      { list: 'containers', container: { name: 'sidecar' } },
    ])
  })
  it('finds nothing in a missing pod spec or lists that are not arrays', () => {
    for (const spec of [undefined, null, 'spec', {}, { containers: 'x', initContainers: { name: 'y' } }]) expect(podContainers(spec), JSON.stringify(spec)).toEqual([])
  })
})
