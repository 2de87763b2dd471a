import { describe, expect, it } from 'vitest'
import { podSpecPath, POD_SPEC_PATHS } from '../src/workloads'

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
