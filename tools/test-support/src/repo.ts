// Real git repositories on disk for the end-to-end tests: git with a fixed identity, a bare remote
// seeded with manifests, clones of it, and a runner for bump-manifest's committed bundle (runAction,
// as GitHub runs it).
import { execFileSync } from 'node:child_process'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { configEnvironment } from '@aks-gitops/toolkit'
import { runAction, type ActionRun } from './action-runner'

export const REGISTRY = 'myacr.azurecr.io'
export const digestOf = (seed: string): string => `sha256:${Buffer.from(seed).toString('hex').padEnd(64, '0').slice(0, 64)}`

/**
 * A fixed identity as command-scope config from the environment (GIT_CONFIG_*, extending any the
 * environment already holds), so commits work on a machine with no git user configured; git reads
 * it before `-c`, so a test's own `-c user.name=...` still wins.
 */
function withIdentity(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const identity = [
    { key: 'user.name', value: 't' },
    { key: 'user.email', value: 't@example.com' },
  ]
  return { ...env, ...configEnvironment(env, identity) }
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: withIdentity(process.env), stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

/** A deployment with the service's container and a redis sidecar (which no bump may touch). */
export function deployment(service: string, tag = '1.0.0'): string {
  return [
    `# ${service}: deployed by bump-manifest`,
    'apiVersion: apps/v1',
    'kind: Deployment',
    'metadata:',
    `  name: ${service}`,
    '  namespace: vote',
    'spec:',
    '  template:',
    '    spec:',
    '      containers:',
    `        - name: ${service}`,
    `          image: ${REGISTRY}/${service}:${tag}  # pinned by CI`,
    '        - name: redis',
    '          image: redis:7-alpine',
    '',
  ].join('\n')
}

/** One kustomization.yaml with an images: entry per service. */
export function kustomization(services: readonly string[]): string {
  const entries = services.flatMap((s) => [`  - name: ${REGISTRY}/${s}`, `    newTag: "1.0.0"`])
  return ['apiVersion: kustomize.config.k8s.io/v1beta1', 'kind: Kustomization', 'namespace: vote-staging', 'images:', ...entries, ''].join('\n')
}

export interface Sandbox {
  dir: string
  remote: string
  /** Seed files committed on main: path -> content. */
  seed: Record<string, string>
  clone(name?: string): string
  remoteHead(branch?: string): string
  remoteFile(path: string, branch?: string): string
  /** Another pipeline's commit (same tree) landed on the remote's main on top of `parent` (default its tip); returns it. */
  land(message: string, parent?: string): string
  remove(): void
}

export function sandbox(seed: Record<string, string>): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'bump-e2e-'))
  const remote = join(dir, 'remote.git')
  git(dir, 'init', '--quiet', '--bare', '--initial-branch=main', remote)
  const seedDir = join(dir, 'seed')
  git(dir, 'clone', '--quiet', remote, seedDir)
  for (const [path, content] of Object.entries(seed)) {
    mkdirSync(dirname(join(seedDir, path)), { recursive: true })
    writeFileSync(join(seedDir, path), content)
  }
  git(seedDir, 'add', '.')
  git(seedDir, '-c', 'user.name=seed', '-c', 'user.email=seed@example.com', 'commit', '--quiet', '-m', 'seed manifests')
  git(seedDir, 'push', '--quiet', 'origin', 'main')
  let clones = 0
  return {
    dir,
    remote,
    seed,
    clone(name = `work-${++clones}`) {
      const work = join(dir, name)
      git(dir, 'clone', '--quiet', remote, work)
      return work
    },
    remoteHead: (branch = 'main') => git(remote, 'rev-parse', `refs/heads/${branch}`),
    remoteFile: (path, branch = 'main') => execFileSync('git', ['cat-file', 'blob', `refs/heads/${branch}:${path}`], { cwd: remote, encoding: 'utf8' }),
    land(message, parent = git(remote, 'rev-parse', 'refs/heads/main')) {
      const identity = { GIT_AUTHOR_NAME: 'o', GIT_AUTHOR_EMAIL: 'o@example.com', GIT_COMMITTER_NAME: 'o', GIT_COMMITTER_EMAIL: 'o@example.com' }
      const commit = execFileSync('git', ['commit-tree', `${parent}^{tree}`, '-p', parent, '-m', message], { cwd: remote, encoding: 'utf8', env: { ...process.env, ...identity } }).trim()
      git(remote, 'update-ref', 'refs/heads/main', commit)
      return commit
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  }
}

/** Installs a pre-receive hook in the bare remote. */
export function preReceiveHook(remote: string, script: string): void {
  const hook = join(remote, 'hooks', 'pre-receive')
  writeFileSync(hook, `#!/bin/sh\n${script}\n`)
  chmodSync(hook, 0o755)
}

export function runBump(work: string, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    action: 'actions/bump-manifest',
    inputs,
    env: { GITHUB_WORKSPACE: work, GITHUB_REPOSITORY: 'octo/gitops', ...env },
    cwd: work,
    timeoutMs: 120_000,
  })
}
