// The GitOps manifests as Argo CD will see them: each overlay rendered by `kubectl kustomize`,
// validated offline against the Kubernetes and Argo CD schemas, and held to the workload rules.
// Negative tests plant one defect in a copy of the folder and expect the checks to name it.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseDocument } from 'yaml'
import { argoProblems, findKubectl, KUBECTL_MISSING, parseObjects, render, schemaProblems, unknownFieldProblems, workloadProblems, type K8sObject } from './k8s-checks'

// Type-checking the objects for unknown fields takes a few seconds per call.
const SLOW = 60000

const SPECS = resolve(import.meta.dirname, '../../k8s-specifications')
const ENVIRONMENTS = { staging: 'vote-staging', production: 'vote-production' } as const
const REPO_URL = 'https://github.com/aks-gitops/aks-gitops.git'
const ARGO = {
  repoURL: REPO_URL,
  environments: {
    'voting-app-staging': { path: 'k8s-specifications/overlays/staging', namespace: 'vote-staging' },
    'voting-app-production': { path: 'k8s-specifications/overlays/production', namespace: 'vote-production' },
  },
}

let kubectl = ''
beforeAll(() => {
  const found = findKubectl()
  if (!found) throw new Error(KUBECTL_MISSING)
  kubectl = found
})

async function allProblems(root: string, env: keyof typeof ENVIRONMENTS): Promise<string[]> {
  const objects = render(kubectl, join(root, 'overlays', env))
  return [...(await schemaProblems(objects)), ...workloadProblems(objects, ENVIRONMENTS[env])]
}

function argoObjects(root: string): K8sObject[] {
  const dir = join(root, 'argocd')
  return readdirSync(dir)
    .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
    .flatMap((f) => parseObjects(readFileSync(join(dir, f), 'utf8')))
}

describe.each(Object.keys(ENVIRONMENTS) as (keyof typeof ENVIRONMENTS)[])('overlay %s', (env) => {
  it('renders, validates against the Kubernetes schemas, and meets every workload rule', async () => {
    const objects = render(kubectl, join(SPECS, 'overlays', env))
    const extra = env === 'production' ? ['PodDisruptionBudget/result', 'PodDisruptionBudget/vote'] : []
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort()).toEqual([
      'Deployment/redis', 'Deployment/result', 'Deployment/vote', 'Deployment/worker',
      'NetworkPolicy/db', 'NetworkPolicy/default-deny', 'NetworkPolicy/redis', 'NetworkPolicy/result', 'NetworkPolicy/vote',
      ...extra,
      'Service/db', 'Service/redis', 'Service/result', 'Service/vote', 'StatefulSet/db',
    ])
    expect(await schemaProblems(objects)).toEqual([])
    expect(unknownFieldProblems(objects)).toEqual([])
    expect(workloadProblems(objects, ENVIRONMENTS[env])).toEqual([])
  }, SLOW)

  it('pins the three app images by tag and digest in kustomization.yaml images:, where the pipeline edits them', () => {
    const kustomization = parseDocument(readFileSync(join(SPECS, 'overlays', env, 'kustomization.yaml'), 'utf8')).toJS() as {
      images: { name: string; newName?: string; newTag?: string; digest?: string }[]
    }
    for (const app of ['vote', 'worker', 'result']) {
      const entry = kustomization.images.find((i) => i.name === app)
      expect(entry, app).toBeDefined()
      expect(entry!.newName).toMatch(new RegExp(`^[a-z0-9.-]+\\.azurecr\\.io/${app}$`))
      expect(entry!.newTag).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
      expect(entry!.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    }
  })

  it('keeps PostgreSQL data on a PersistentVolumeClaim and its password in a Secret reference only', () => {
    const objects = render(kubectl, join(SPECS, 'overlays', env))
    const db = objects.find((o) => o.kind === 'StatefulSet' && o.metadata?.name === 'db')!
    expect(JSON.stringify(db.spec?.volumeClaimTemplates)).toContain('"storage"')
    const text = JSON.stringify(objects)
    expect(objects.some((o) => o.kind === 'Secret')).toBe(false)
    expect(text).not.toMatch(/"name":"(POSTGRES_PASSWORD|PGPASSWORD)","value"/)
    const refs = JSON.stringify(objects.flatMap((o) => JSON.stringify(o).match(/"secretKeyRef":\{[^}]*\}/g) ?? []))
    expect(refs.match(/db-credentials/g)).toHaveLength(3) // PostgreSQL, worker, result
  })
})

describe('base', () => {
  it('lists every object file of the folder, one object per file', () => {
    const files = readdirSync(join(SPECS, 'base')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml').sort()
    const listed = (parseDocument(readFileSync(join(SPECS, 'base', 'kustomization.yaml'), 'utf8')).toJS() as { resources: string[] }).resources
    expect([...listed].sort()).toEqual(files)
    for (const f of files) {
      const [object, ...rest] = parseObjects(readFileSync(join(SPECS, 'base', f), 'utf8'))
      expect(rest, f).toEqual([])
      expect(f).toBe(`${object!.metadata!.name}-${object!.kind!.toLowerCase()}.yaml`)
      expect(object!.metadata!.namespace, f).toBe('vote')
    }
  })
})

describe('argocd', () => {
  it('validates against the Argo CD schemas: one project for this repository and the two namespaces, automated sync', async () => {
    const objects = argoObjects(SPECS)
    expect(await schemaProblems(objects)).toEqual([])
    expect(unknownFieldProblems(objects)).toEqual([])
    expect(argoProblems(objects, ARGO)).toEqual([])
    // The project must allow every kind the overlays hold, or Argo CD refuses to sync them.
    const project = objects.find((o) => o.kind === 'AppProject')!
    const allowed = (project.spec!.namespaceResourceWhitelist as { group: string; kind: string }[]).map((r) => `${r.group}/${r.kind}`)
    for (const env of Object.keys(ENVIRONMENTS)) {
      for (const o of render(kubectl, join(SPECS, 'overlays', env))) {
        const group = o.apiVersion!.includes('/') ? o.apiVersion!.split('/')[0] : ''
        expect(allowed, `${env} ${o.kind}`).toContain(`${group}/${o.kind}`)
      }
    }
    // The folder also renders as one kustomization (kubectl apply -k k8s-specifications/argocd).
    expect(render(kubectl, join(SPECS, 'argocd'))).toHaveLength(objects.length)
  }, SLOW)
})

describe('the checks catch planted defects', () => {
  let copy = ''
  beforeAll(() => {
    copy = mkdtempSync(join(tmpdir(), 'k8s-defects-'))
  })
  afterAll(() => rmSync(copy, { recursive: true, force: true }))

  /** A fresh copy of the folder with one file edited. */
  function plant(file: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
    const root = mkdtempSync(join(copy, 'case-'))
    cpSync(SPECS, root, { recursive: true })
    const path = join(root, file)
    const doc = parseDocument(readFileSync(path, 'utf8'))
    edit(doc)
    writeFileSync(path, doc.toString())
    return root
  }
  const container = ['spec', 'template', 'spec', 'containers', 0]

  it.each([
    ['a missing liveness probe', 'base/vote-deployment.yaml', (d) => d.deleteIn([...container, 'livenessProbe']), 'Deployment/vote container vote: no livenessProbe'],
    ['a missing readiness probe', 'base/db-statefulset.yaml', (d) => d.deleteIn([...container, 'readinessProbe']), 'StatefulSet/db container postgres: no readinessProbe'],
    ['missing limits', 'base/worker-deployment.yaml', (d) => d.deleteIn([...container, 'resources', 'limits']), 'Deployment/worker container worker: no resources.limits.cpu'],
    ['runAsNonRoot false', 'base/result-deployment.yaml', (d) => d.setIn([...container, 'securityContext', 'runAsNonRoot'], false), 'Deployment/result container result: runAsNonRoot is not true'],
    ['privilege escalation', 'base/redis-deployment.yaml', (d) => d.setIn([...container, 'securityContext', 'allowPrivilegeEscalation'], true), 'Deployment/redis container redis: allowPrivilegeEscalation is not false'],
    ['an arch nodeSelector', 'base/vote-deployment.yaml', (d) => d.setIn(['spec', 'template', 'spec', 'nodeSelector'], { 'kubernetes.io/arch': 'amd64' }), 'Deployment/vote: nodeSelector pins kubernetes.io/arch (nodes may be amd64 or arm64)'],
    ['an image without digest', 'overlays/staging/kustomization.yaml', (d) => d.deleteIn(['images', 0, 'digest']), 'Deployment/vote container vote: image "aksgitops.azurecr.io/vote:sha-0000000" is not pinned by digest'],
    ['a wrong namespace', 'overlays/staging/kustomization.yaml', (d) => d.set('namespace', 'default'), 'Service/db: namespace is "default", expected "vote-staging"'],
    ['a schema violation', 'base/vote-deployment.yaml', (d) => d.setIn(['spec', 'replicas'], 'two'), 'Deployment/vote: data/spec/replicas must be integer'],
  ] as [string, string, (d: ReturnType<typeof parseDocument>) => void, string][])('%s', async (_name, file, edit, expected) => {
    const root = plant(file, edit)
    expect(await allProblems(root, 'staging')).toContain(expected)
  })

  it('a PodDisruptionBudget that lets an unhealthy pod block drains, two replicas that may share a node', async () => {
    const root = plant('overlays/production/vote-poddisruptionbudget.yaml', (d) => d.deleteIn(['spec', 'unhealthyPodEvictionPolicy']))
    expect(await allProblems(root, 'production')).toEqual(['PodDisruptionBudget/vote: unhealthyPodEvictionPolicy is not AlwaysAllow (an unhealthy pod would block node drains)'])
    const scaled = plant('base/worker-deployment.yaml', (d) => d.setIn(['spec', 'replicas'], 2))
    expect(await allProblems(scaled, 'staging')).toEqual(['Deployment/worker: 2 replicas without a topology spread over kubernetes.io/hostname (DoNotSchedule) that selects its pods'])
  })

  it('Argo CD: PruneLast, a Namespace allowed by kind alone', () => {
    const root = plant('argocd/application-staging.yaml', (d) => d.addIn(['spec', 'syncPolicy', 'syncOptions'], 'PruneLast=true'))
    const project = join(root, 'argocd/project.yaml')
    const doc = parseDocument(readFileSync(project, 'utf8'))
    doc.deleteIn(['spec', 'clusterResourceWhitelist', 1, 'name'])
    writeFileSync(project, doc.toString())
    expect(argoProblems(argoObjects(root), ARGO)).toEqual([
      'AppProject: clusterResourceWhitelist must allow exactly the Namespaces vote-production, vote-staging by name, got (any), vote-staging',
      'Application/voting-app-staging: PruneLast=true (prunes would wait for every workload to be Healthy)',
    ])
  })

  it('a misspelled field, which the schemas allow but the API server rejects', () => {
    const root = plant('base/worker-deployment.yaml', (d) => d.setIn([...container, 'readinesProbe'], d.getIn([...container, 'readinessProbe'])))
    const argo = plant('argocd/application-staging.yaml', (d) => d.setIn(['spec', 'syncPolicy', 'automatic'], { prune: true }))
    const objects = [...render(kubectl, join(root, 'overlays/staging')), ...argoObjects(argo)]
    // One message per object (the compiler stops at the first excess property of an object).
    const problems = unknownFieldProblems(objects)
    expect(problems).toHaveLength(2)
    expect(problems[0]).toMatch(/^Deployment\/worker: Object literal may only specify known properties, and '"readinesProbe"' does not exist in type 'IContainer'/)
    expect(problems[1]).toMatch(/^Application\/voting-app-staging: Object literal may only specify known properties, and '"automatic"' does not exist in type/)
  }, SLOW)

  it('a missing namespace (none in the file, none from the overlay)', async () => {
    const root = plant('base/redis-service.yaml', (d) => d.deleteIn(['metadata', 'namespace']))
    const overlay = join(root, 'overlays/staging/kustomization.yaml')
    writeFileSync(overlay, readFileSync(overlay, 'utf8').replace(/^namespace: .*$/m, ''))
    expect(await allProblems(root, 'staging')).toContain('Service/redis: namespace is missing, expected "vote-staging"')
  })

  it('an object kind without a schema, and a Secret committed in clear', async () => {
    const root = plant('base/kustomization.yaml', (d) => d.set('resources', [...(d.get('resources') as { toJSON(): string[] }).toJSON(), 'extra.yaml']))
    writeFileSync(join(root, 'base/extra.yaml'), 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: vote\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db-credentials\n  namespace: vote\nstringData:\n  password: hunter2\n')
    const problems = await allProblems(root, 'staging')
    expect(problems).toContain('Widget/w: no schema for example.com/v1 Widget')
    expect(problems).toContain('Secret/db-credentials: a Secret with data is committed in clear')
  })

  it('Argo CD: self-heal off, a foreign repository, an extra destination, an invalid sync option type', async () => {
    const root = plant('argocd/application-production.yaml', (d) => d.setIn(['spec', 'syncPolicy', 'automated', 'selfHeal'], false))
    const project = join(root, 'argocd/project.yaml')
    const doc = parseDocument(readFileSync(project, 'utf8'))
    doc.setIn(['spec', 'sourceRepos'], ['*'])
    doc.addIn(['spec', 'destinations'], { server: 'https://kubernetes.default.svc', namespace: 'kube-system' })
    writeFileSync(project, doc.toString())
    const objects = argoObjects(root)
    expect(argoProblems(objects, ARGO)).toEqual([
      `AppProject: sourceRepos must be exactly [${REPO_URL}], got ["*"]`,
      'AppProject: destinations must be exactly vote-production, vote-staging, got kube-system, vote-production, vote-staging',
      'Application/voting-app-production: automated sync without selfHeal',
    ])
    const staging = objects.find((o) => o.metadata?.name === 'voting-app-staging')!
    ;(staging.spec!.syncPolicy as { syncOptions: unknown }).syncOptions = 'CreateNamespace=true'
    expect((await schemaProblems(objects)).join('\n')).toMatch(/^Application\/voting-app-staging: .*syncOptions must be array/m)
  })
})

describe('README', () => {
  const readme = readFileSync(join(SPECS, 'README.md'), 'utf8')
  const yamlBlocks = [...readme.matchAll(/```yaml\n([\s\S]*?)```/g)].flatMap((m) => parseObjects(m[1]!))
  /** The README's `sed -i 's#FROM#TO#' FILES` commands, by the files they edit. */
  const seds = [...readme.matchAll(/sed -i 's#([^#]+)#([^#]+)#'\s*\\?\s*(\S+)/g)].map(([, from, to, files]) => ({ from: from!, to: to!, files: files! }))

  it('shows the ExternalSecret in the API version External Secrets Operator still serves (v1; v1beta1 went in v0.17)', () => {
    const external = yamlBlocks.filter((o) => o.kind === 'ExternalSecret')
    expect(external).toHaveLength(1)
    expect(external[0]!.apiVersion).toBe('external-secrets.io/v1')
    expect((external[0]!.spec as { target?: { name?: string } }).target?.name).toBe('db-credentials')
    expect(readme).not.toContain('external-secrets.io/v1beta1\n')
  })

  it('registers the private repository under the very URL the Applications and the project name after its own rewrite', () => {
    const rewrite = seds.find((s) => s.files === 'k8s-specifications/argocd/*.yaml')
    expect(rewrite?.from).toBe(REPO_URL)
    // Step 4 applied to the Argo CD objects, as a newcomer runs it.
    const objects = parseObjects(readdirSync(join(SPECS, 'argocd')).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
      .map((f) => readFileSync(join(SPECS, 'argocd', f), 'utf8').replaceAll(rewrite!.from, rewrite!.to)).join('\n---\n'))
    const urls = [...readme.matchAll(/--from-literal=url=(\S+)/g)].map((m) => m[1])
    expect(urls).toEqual([rewrite!.to])
    expect(rewrite!.to).toMatch(/^https:\/\/github\.com\/[^/]+\/[^/]+\.git$/) // GitHub App credentials are HTTPS only
    expect(readme).toContain('argocd.argoproj.io/secret-type=repository')
    expect(argoProblems(objects, { ...ARGO, repoURL: rewrite!.to })).toEqual([])
    // No step registers credentials in the other (git@) form for the HTTPS Applications.
    expect(readme).not.toMatch(/argocd repo add git@|url=git@/)
  })

  it('names the registry in the overlays with a rewrite that renders (step 2)', () => {
    const rewrite = seds.find((s) => s.files === 'k8s-specifications/overlays/*/kustomization.yaml')
    expect(rewrite?.from).toBe('aksgitops.azurecr.io')
    const root = mkdtempSync(join(tmpdir(), 'k8s-readme-'))
    try {
      cpSync(SPECS, root, { recursive: true })
      for (const env of Object.keys(ENVIRONMENTS)) {
        const file = join(root, 'overlays', env, 'kustomization.yaml')
        writeFileSync(file, readFileSync(file, 'utf8').replaceAll(rewrite!.from, rewrite!.to.replace('ACR-NAME', 'myacr')))
        const images = render(kubectl, join(root, 'overlays', env)).flatMap((o) => JSON.stringify(o).match(/"image":"[^"]+"/g) ?? [])
        expect(images.filter((i) => i.includes('myacr.azurecr.io/'))).toHaveLength(3)
      }
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('says what a first sync with placeholder images looks like, and how it differs from a 401', () => {
    for (const words of ['Progressing', 'ErrImagePull', 'not found', 'Degraded', '401 Unauthorized', 'acr-secret', '--attach-acr']) expect(readme).toContain(words)
    expect(readme).not.toMatch(/PruneLast=true\n/)
  })
})

describe('kubectl lookup', () => {
  it('finds none on an empty PATH, so the suite fails with a message saying what to install', () => {
    const saved = { PATH: process.env.PATH, KUBECTL: process.env.KUBECTL }
    try {
      process.env.PATH = '/nonexistent'
      delete process.env.KUBECTL
      expect(findKubectl()).toBeUndefined()
      expect(KUBECTL_MISSING).toMatch(/^kubectl not found on PATH .*Install kubectl/)
    } finally {
      process.env.PATH = saved.PATH
      if (saved.KUBECTL !== undefined) process.env.KUBECTL = saved.KUBECTL
    }
  })
})
