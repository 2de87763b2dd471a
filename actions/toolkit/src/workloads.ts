// Where each Kubernetes workload kind keeps its pod spec, and which lists of a pod spec hold
// containers: bump-manifest edits the images there, and the repository's manifest checks and the
// local pipeline read them there. One table, so a kind or a list one of them knows is never
// skipped by another. Pure: no I/O.

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

/** The lists of a pod spec that hold containers whose images run, init containers first as the kubelet starts them. */
export const POD_CONTAINER_LISTS = ['initContainers', 'containers'] as const
export type PodContainerList = (typeof POD_CONTAINER_LISTS)[number]

/**
 * The containers of a pod spec read as plain data (YAML's toJS, JSON), each with the list that
 * holds it, in POD_CONTAINER_LISTS order; entries of a list that is not an array are skipped.
 */
export function podContainers<Container = Record<string, unknown>>(podSpec: unknown): { list: PodContainerList; container: Container }[] {
  if (typeof podSpec !== 'object' || podSpec === null) return []
  return POD_CONTAINER_LISTS.flatMap((list) => {
    const items: unknown = (podSpec as Record<string, unknown>)[list]
    return Array.isArray(items) ? items.map((container) => ({ list, container: container as Container })) : []
  })
}
