// What the local pipeline's end-to-end tests share: run `pnpm pipeline` with a state directory of
// their own, read an image's index from a registry, and read the local GitOps remote.
import { execFileSync, spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

export interface PipelineRun {
  status: number
  output: string
}

/** `pnpm pipeline <args>` as a user runs it, its state (GitOps remote, run numbers, last run) under `stateDir`. */
export function runPipeline(stateDir: string, args: string[], env: Record<string, string> = {}): PipelineRun {
  const run = spawnSync('pnpm', ['--silent', '--filter', '@aks-gitops/tools', 'run', 'pipeline', ...args], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PIPELINE_STATE_DIR: stateDir, CI: 'true', ...env },
    timeout: 15 * 60_000,
  })
  return { status: run.status ?? 1, output: `${run.stdout}${run.stderr}` }
}

/** The index digest of an image in a registry, and its platform manifests by platform. */
export function inspectImage(reference: string): { digest: string; platforms: Record<string, string> } {
  const raw = execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--raw', reference], { encoding: 'utf8' })
  const index = JSON.parse(raw) as { manifests: { digest: string; platform?: { os: string; architecture: string } }[] }
  const platforms: Record<string, string> = {}
  for (const m of index.manifests) if (m.platform && m.platform.os !== 'unknown') platforms[`${m.platform.os}/${m.platform.architecture}`] = m.digest
  const digest = execFileSync('docker', ['buildx', 'imagetools', 'inspect', '--format', '{{json .Manifest}}', reference], { encoding: 'utf8' })
  return { digest: (JSON.parse(digest) as { digest: string }).digest, platforms }
}

/** git on the local bare GitOps remote the pipeline seeded under `stateDir`. */
export function gitopsGit(stateDir: string, ...args: string[]): string {
  return execFileSync('git', ['--git-dir', join(stateDir, 'gitops.git'), ...args], { encoding: 'utf8' }).trim()
}
