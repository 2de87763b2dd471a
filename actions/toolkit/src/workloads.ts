// Where each Kubernetes workload kind keeps its pod spec: bump-manifest edits the images there,
// and the repository's manifest checks and the local pipeline read them there. One table, so a
// kind one of them knows is never skipped by another. Pure: no I/O.

/** Path from a workload object to its pod spec, per kind (CronJob nests a Job template). */
export const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  ReplicationController: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
}

/** The pod spec path of a workload kind, or undefined for a kind that runs no pods. */
export function podSpecPath(kind: string | undefined): readonly string[] | undefined {
  return kind !== undefined && Object.hasOwn(POD_SPEC_PATHS, kind) ? POD_SPEC_PATHS[kind] : undefined
}
