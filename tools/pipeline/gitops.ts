// The GitOps repository side of the local pipeline: a bare remote standing in for GitHub, clones
// of it, and what Argo CD would render from a commit (kubectl kustomize).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseAllDocuments, parseDocument } from 'yaml'
import { DEFAULT_MANIFESTS, podContainers, podSpecPath, tryParseImageReference } from '@aks-gitops/toolkit'

function git(args: readonly string[], cwd?: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

const IDENTITY = ['-c', 'user.name=local-pipeline', '-c', 'user.email=local-pipeline@localhost']

/**
 * The local bare remote under the state directory, created on first use with one commit holding
 * this repository's committed k8s-specifications/ on `branch`.
 */
export function ensureLocalRemote(stateDir: string, repoRoot: string, branch: string): string {
  const remote = join(stateDir, 'gitops.git')
  if (existsSync(join(remote, 'HEAD'))) return remote
  mkdirSync(remote, { recursive: true })
  git(['init', '--quiet', '--bare', `--initial-branch=${branch}`, remote])
  const seed = mkdtempSync(join(tmpdir(), 'gitops-seed-'))
  try {
    git(['init', '--quiet', `--initial-branch=${branch}`, seed])
    // The committed manifests, not the work tree: the remote stands in for what GitHub holds.
    const archive = execFileSync('git', ['archive', '--format=tar', 'HEAD', 'k8s-specifications'], { cwd: repoRoot })
    execFileSync('tar', ['-x', '-C', seed], { input: archive })
    git(['add', '-A'], seed)
    git([...IDENTITY, 'commit', '--quiet', '-m', 'Seed the GitOps repository with k8s-specifications'], seed)
    git(['push', '--quiet', remote, `HEAD:refs/heads/${branch}`], seed)
  } finally {
    rmSync(seed, { recursive: true, force: true })
  }
  return remote
}

/** A fresh clone of `branch` of the GitOps remote, as the deploy job's checkout makes. */
export function cloneGitops(remote: string, branch: string, dir: string): string {
  git(['clone', '--quiet', '--branch', branch, remote, dir])
  return git(['rev-parse', 'HEAD'], dir)
}

/** A commit's trailers as git parses them (`git log --format=%(trailers)`): the deploy history's entry. */
export function commitTrailers(dir: string, commit: string): string {
  return git(['log', '-1', '--format=%(trailers:only,unfold)', commit], dir)
}

export function headCommit(dir: string): string {
  return git(['rev-parse', 'HEAD'], dir)
}

export function fetchAndCheckout(dir: string, branch: string): string {
  git(['fetch', '--quiet', 'origin', branch], dir)
  git(['checkout', '--quiet', '--detach', 'FETCH_HEAD'], dir)
  return headCommit(dir)
}

/** Checks out a commit the clone already has (no network). */
export function checkoutCommit(dir: string, commit: string): void {
  git(['checkout', '--quiet', '--detach', commit], dir)
}

/** What Argo CD renders for an environment at the checked-out commit: the folder of its kustomization. */
export function renderOverlay(dir: string, environment: keyof typeof DEFAULT_MANIFESTS): string {
  const overlay = join(dir, dirname(DEFAULT_MANIFESTS[environment]))
  try {
    // bootstrap.sh accepts $KUBECTL in place of kubectl on PATH, as the manifest tests do.
    return execFileSync(process.env.KUBECTL || 'kubectl', ['kustomize', overlay], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? ''
    if ((error as { code?: string }).code === 'ENOENT') throw new Error('kubectl is not installed: it renders the kustomize overlays')
    throw new Error(`kubectl kustomize ${overlay} failed: ${stderr.trim()}`)
  }
}

export interface RenderedImage {
  workload: string
  container: string
  image: string
}

/** Every container image in rendered manifests, with the workload and container it belongs to. */
export function imagesInRender(rendered: string): RenderedImage[] {
  const images: RenderedImage[] = []
  for (const doc of parseAllDocuments(rendered)) {
    const object = doc.toJS() as { kind?: string; metadata?: { name?: string; namespace?: string } } | null
    if (!object?.kind) continue
    const path = podSpecPath(object.kind)
    if (!path) continue
    let spec: unknown = object
    for (const key of path) spec = (spec as Record<string, unknown> | undefined)?.[key]
    for (const { container } of podContainers<{ name: string; image: string }>(spec)) {
      images.push({ workload: `${object.kind}/${object.metadata?.namespace ?? ''}/${object.metadata?.name ?? ''}`, container: container.name, image: container.image })
    }
  }
  return images
}

/** The `images:` entry of a kustomization that stands for a service (by name or newName). */
export function kustomizeImageName(kustomizationPath: string, service: string): string {
  const doc = parseDocument(readFileSync(kustomizationPath, 'utf8')).toJS() as { images?: { name?: string; newName?: string }[] }
  // The repository's last path component, by image-ref's parser (a placeholder name is no match).
  const lastPart = (s?: string): string | undefined => (s ? tryParseImageReference(s)?.repository.split('/').pop() : undefined)
  const entry = (doc.images ?? []).find((e) => lastPart(e.name) === service || lastPart(e.newName) === service)
  if (!entry?.name) throw new Error(`${kustomizationPath} has no images: entry for ${service}`)
  return entry.name
}

/** A unified diff of two renders: what Argo CD would apply. Empty when identical. */
export function renderDiff(before: string, after: string, labels: [string, string]): string {
  const dir = mkdtempSync(join(tmpdir(), 'render-diff-'))
  try {
    const [a, b] = [join(dir, 'before.yaml'), join(dir, 'after.yaml')]
    writeFileSync(a, before)
    writeFileSync(b, after)
    try {
      execFileSync('diff', ['-u', '--label', labels[0], '--label', labels[1], a, b], { encoding: 'utf8' })
      return ''
    } catch (error) {
      return (error as { stdout?: string }).stdout ?? ''
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
