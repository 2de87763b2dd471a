// Offline checks of the GitOps manifests: render with `kubectl kustomize`, validate each object
// against the Kubernetes / Argo CD schemas (the validators kubernetes-models and
// @kubernetes-models/argo-cd ship), and apply the rules every workload here must meet.
import { execFileSync } from 'node:child_process'
import { accessSync, constants, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { parseAllDocuments } from 'yaml'
import { errorMessage, parseImageReference, podContainers, podSpecPath } from '@aks-gitops/toolkit'

export type K8sObject = {
  apiVersion?: string
  kind?: string
  metadata?: { name?: string; namespace?: string; [k: string]: unknown }
  spec?: Record<string, unknown>
  [k: string]: unknown
}

export function findKubectl(): string | undefined {
  if (process.env.KUBECTL) return process.env.KUBECTL
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    try {
      accessSync(join(dir, 'kubectl'), constants.X_OK)
      return join(dir, 'kubectl')
    } catch {
      // not in this directory
    }
  }
  return undefined
}

export const KUBECTL_MISSING =
  'kubectl not found on PATH (or $KUBECTL): the manifest tests render each overlay with `kubectl kustomize`. ' +
  'Install kubectl (it bundles kustomize) and run them again.'

export function parseObjects(text: string): K8sObject[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(doc.errors.map((e) => e.message).join('; '))
    const value = doc.toJS() as K8sObject | null
    return value ? [value] : []
  })
}

export function render(kubectl: string, dir: string): K8sObject[] {
  return parseObjects(execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }))
}

export const objectId = (o: K8sObject) => `${o.kind ?? '?'}/${o.metadata?.name ?? '?'}`

type Validated = { validate(): void }
type ModelClass = new (data: unknown) => Validated

function modelModule(apiVersion: string, kind: string): string | undefined {
  if (!/^[A-Za-z0-9.]+(\/[A-Za-z0-9]+)?$/.test(apiVersion) || !/^[A-Za-z]+$/.test(kind)) return undefined
  return apiVersion.startsWith('argoproj.io/') ? `@kubernetes-models/argo-cd/${apiVersion}/${kind}` : `kubernetes-models/${apiVersion}/${kind}`
}

/** The schema validator for an apiVersion/kind, or undefined when neither package has one. */
async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const path = modelModule(apiVersion, kind)
  if (!path) return undefined
  try {
    const module = (await import(path)) as Record<string, ModelClass>
    return module[kind]
  } catch {
    return undefined
  }
}

export async function schemaProblems(objects: K8sObject[]): Promise<string[]> {
  const problems: string[] = []
  for (const o of objects) {
    if (!o.apiVersion || !o.kind) {
      problems.push(`${objectId(o)}: apiVersion and kind are required`)
      continue
    }
    const Model = await modelFor(o.apiVersion, o.kind)
    if (!Model) {
      problems.push(`${objectId(o)}: no schema for ${o.apiVersion} ${o.kind}`)
      continue
    }
    try {
      new Model(o).validate()
    } catch (e) {
      problems.push(`${objectId(o)}: ${errorMessage(e)}`)
    }
  }
  return problems
}

/**
 * Fields the schema does not know (a typo such as `livenesProbe`, a field at the wrong level).
 * The JSON schemas allow extra properties, but the API server rejects unknown fields (kubectl's
 * strict validation) and so would Argo CD's sync: check them by type-checking each object as an
 * object literal of the package's TypeScript interface, where excess properties are errors.
 */
export function unknownFieldProblems(objects: K8sObject[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-typecheck-'))
  try {
    const file = join(dir, 'objects.ts')
    const imports: string[] = []
    const body: string[] = []
    const lineOf: number[] = []
    objects.forEach((o, i) => {
      const module = modelModule(o.apiVersion ?? '', o.kind ?? '')
      if (!module) return // schemaProblems reports kinds without a schema
      let path: string
      try {
        path = fileURLToPath(import.meta.resolve(module)).replace(/\.js$/, '')
      } catch {
        return
      }
      imports.push(`import type { I${o.kind} as T${i} } from ${JSON.stringify(path)}`)
      lineOf.push(i)
      body.push(`export const o${i}: T${i} = ${JSON.stringify(o)}`)
    })
    writeFileSync(file, [...imports, ...body].join('\n') + '\n')
    const program = ts.createProgram([file], {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      types: [],
    })
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ')
      if (!d.file || d.start === undefined || d.file.fileName !== file) return message
      const line = d.file.getLineAndCharacterOfPosition(d.start).line - imports.length
      const object = objects[lineOf[line] ?? -1]
      return `${object ? objectId(object) : file}: ${message}`
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const CLUSTER_SCOPED = new Set(['Namespace', 'ClusterRole', 'ClusterRoleBinding', 'CustomResourceDefinition', 'StorageClass', 'PersistentVolume'])

type Obj = Record<string, unknown>
const get = (o: unknown, ...path: string[]): unknown => path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), o)

/** Rules for an environment's rendered objects; an empty list means they pass. */
export function workloadProblems(objects: K8sObject[], namespace: string): string[] {
  const problems: string[] = []
  for (const o of objects) {
    const id = objectId(o)
    if (!CLUSTER_SCOPED.has(o.kind ?? '') && o.metadata?.namespace !== namespace) {
      problems.push(`${id}: namespace is ${o.metadata?.namespace ? `"${o.metadata.namespace}"` : 'missing'}, expected "${namespace}"`)
    }
    if (o.kind === 'Secret' && (get(o, 'data') || get(o, 'stringData'))) problems.push(`${id}: a Secret with data is committed in clear`)
    // The default (IfHealthyBudget) lets a crash-looping replica, which serves nothing, block node drains.
    if (o.kind === 'PodDisruptionBudget' && get(o, 'spec', 'unhealthyPodEvictionPolicy') !== 'AlwaysAllow') {
      problems.push(`${id}: unhealthyPodEvictionPolicy is not AlwaysAllow (an unhealthy pod would block node drains)`)
    }
    // The workload kinds bump-manifest edits (the toolkit's table): each one's pod spec is checked.
    const specPath = podSpecPath(o.kind)
    if (!specPath) continue
    const pod = get(o, ...specPath) as Obj | undefined
    if (!pod) {
      problems.push(`${id}: no pod spec`)
      continue
    }
    problems.push(...podProblems(id, pod))
    const replicas = get(o, 'spec', 'replicas')
    if (typeof replicas === 'number' && replicas >= 2 && !spreadsOverNodes(pod, (get(o, ...specPath.slice(0, -1), 'metadata', 'labels') ?? {}) as Obj)) {
      problems.push(`${id}: ${replicas} replicas without a topology spread over kubernetes.io/hostname (DoNotSchedule) that selects its pods`)
    }
  }
  return problems
}

/** A required spread over nodes whose selector (labelSelector.matchLabels) matches the pod template's labels. */
function spreadsOverNodes(pod: Obj, labels: Obj): boolean {
  const constraints = (pod.topologySpreadConstraints as Obj[] | undefined) ?? []
  return constraints.some((c) => {
    if (c.topologyKey !== 'kubernetes.io/hostname' || c.whenUnsatisfiable !== 'DoNotSchedule') return false
    const match = (get(c, 'labelSelector', 'matchLabels') ?? {}) as Obj
    return Object.keys(match).length > 0 && Object.entries(match).every(([k, v]) => labels[k] === v)
  })
}

function podProblems(id: string, pod: Obj): string[] {
  const problems: string[] = []
  const podSc = (pod.securityContext ?? {}) as Obj
  const selector = (pod.nodeSelector ?? {}) as Obj
  for (const key of ['kubernetes.io/arch', 'beta.kubernetes.io/arch']) {
    if (key in selector) problems.push(`${id}: nodeSelector pins ${key} (nodes may be amd64 or arm64)`)
  }
  if (JSON.stringify(pod.affinity ?? {}).includes('kubernetes.io/arch')) problems.push(`${id}: affinity pins an architecture`)
  for (const { list, container: c } of podContainers<Obj>(pod)) {
    const cid = `${id} container ${String(c.name)}`
    const sc = (c.securityContext ?? {}) as Obj
    const initOnly = list === 'initContainers'
    const effective = (key: string) => (key in sc ? sc[key] : podSc[key])
    if (effective('runAsNonRoot') !== true) problems.push(`${cid}: runAsNonRoot is not true`)
    if (effective('runAsUser') === 0) problems.push(`${cid}: runs as user 0`)
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${cid}: allowPrivilegeEscalation is not false`)
    if (sc.privileged === true) problems.push(`${cid}: privileged`)
    const drop = (get(sc, 'capabilities', 'drop') as string[] | undefined) ?? []
    if (!drop.includes('ALL')) problems.push(`${cid}: capabilities do not drop ALL`)
    if ((get(sc, 'capabilities', 'add') as string[] | undefined)?.length) problems.push(`${cid}: adds capabilities`)
    const seccomp = get(sc, 'seccompProfile', 'type') ?? get(podSc, 'seccompProfile', 'type')
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') problems.push(`${cid}: seccompProfile is not RuntimeDefault`)
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${cid}: readOnlyRootFilesystem is not true`)
    if (!initOnly) {
      if (!c.livenessProbe) problems.push(`${cid}: no livenessProbe`)
      if (!c.readinessProbe) problems.push(`${cid}: no readinessProbe`)
    }
    for (const kind of ['requests', 'limits'] as const) {
      for (const resource of ['cpu', 'memory']) {
        if (get(c, 'resources', kind, resource) === undefined) problems.push(`${cid}: no resources.${kind}.${resource}`)
      }
    }
    problems.push(...imageProblems(cid, c.image))
  }
  return problems
}

function imageProblems(id: string, image: unknown): string[] {
  if (typeof image !== 'string') return [`${id}: no image`]
  try {
    const ref = parseImageReference(image)
    if (!ref.digest) return [`${id}: image "${image}" is not pinned by digest`]
    if (!ref.tag) return [`${id}: image "${image}" has a digest but no tag (pin both, for people and for the pipeline)`]
    return []
  } catch (e) {
    return [`${id}: ${errorMessage(e)}`]
  }
}

export interface ArgoExpectations {
  repoURL: string
  /** Application name -> [overlay path, namespace]. */
  environments: Record<string, { path: string; namespace: string }>
}

/** Rules for the Argo CD project and Applications. */
export function argoProblems(objects: K8sObject[], expected: ArgoExpectations): string[] {
  const problems: string[] = []
  const projects = objects.filter((o) => o.kind === 'AppProject')
  if (projects.length !== 1) problems.push(`expected one AppProject, found ${projects.length}`)
  const project = projects[0]
  const namespaces = Object.values(expected.environments).map((e) => e.namespace).sort()
  if (project) {
    const repos = (get(project, 'spec', 'sourceRepos') as string[] | undefined) ?? []
    if (repos.length !== 1 || repos[0] !== expected.repoURL) problems.push(`AppProject: sourceRepos must be exactly [${expected.repoURL}], got ${JSON.stringify(repos)}`)
    const destinations = ((get(project, 'spec', 'destinations') as Obj[] | undefined) ?? []).map((d) => String(d.namespace)).sort()
    if (JSON.stringify(destinations) !== JSON.stringify(namespaces)) problems.push(`AppProject: destinations must be exactly ${namespaces.join(', ')}, got ${destinations.join(', ')}`)
    // The Namespaces Argo CD may create, by name (clusterResourceWhitelist[].name; unnamed allows every Namespace).
    const whitelist = (get(project, 'spec', 'clusterResourceWhitelist') as Obj[] | undefined) ?? []
    const namespaceNames = whitelist.filter((r) => r.group === '' && r.kind === 'Namespace').map((r) => (r.name ? String(r.name) : '(any)')).sort()
    if (JSON.stringify(namespaceNames) !== JSON.stringify(namespaces)) {
      problems.push(`AppProject: clusterResourceWhitelist must allow exactly the Namespaces ${namespaces.join(', ')} by name, got ${namespaceNames.join(', ') || 'none'}`)
    }
  }
  const apps = objects.filter((o) => o.kind === 'Application')
  for (const [name, env] of Object.entries(expected.environments)) {
    const app = apps.find((a) => a.metadata?.name === name)
    if (!app) {
      problems.push(`Application/${name} is missing`)
      continue
    }
    const id = `Application/${name}`
    if (get(app, 'spec', 'project') !== project?.metadata?.name) problems.push(`${id}: project is not ${project?.metadata?.name}`)
    if (get(app, 'spec', 'source', 'repoURL') !== expected.repoURL) problems.push(`${id}: repoURL is not ${expected.repoURL}`)
    if (get(app, 'spec', 'source', 'path') !== env.path) problems.push(`${id}: path is not ${env.path}`)
    if (get(app, 'spec', 'destination', 'namespace') !== env.namespace) problems.push(`${id}: destination namespace is not ${env.namespace}`)
    if (get(app, 'spec', 'syncPolicy', 'automated', 'prune') !== true) problems.push(`${id}: automated sync without prune`)
    if (get(app, 'spec', 'syncPolicy', 'automated', 'selfHeal') !== true) problems.push(`${id}: automated sync without selfHeal`)
    // PruneLast holds every prune until all resources are Healthy: nothing is pruned while any workload is Degraded.
    const options = (get(app, 'spec', 'syncPolicy', 'syncOptions') as unknown[] | undefined) ?? []
    if (options.includes('PruneLast=true')) problems.push(`${id}: PruneLast=true (prunes would wait for every workload to be Healthy)`)
  }
  return problems
}
