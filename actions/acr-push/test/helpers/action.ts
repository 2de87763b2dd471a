// Runs the committed bundle as the runner does (runAction) with a RUNNER_TEMP the test can inspect
// afterwards, and reads what a registry holds straight from its HTTP API.
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '@aks-gitops/test-support/action-runner'

export interface Run extends ActionRun {
  /** What was left in RUNNER_TEMP after main and post. */
  leftInRunnerTemp: string[]
}

export async function runAcrPush(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<Run> {
  const runnerTemp = mkdtempSync(join(tmpdir(), 'acr-push-runner-temp-'))
  const run = await runAction({
    action: 'actions/acr-push',
    inputs: { 'require-platforms': 'linux/amd64,linux/arm64', ...inputs },
    env: { RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: runnerTemp, ...env },
    timeoutMs: 120_000,
  })
  return { ...run, leftInRunnerTemp: readdirSync(runnerTemp) }
}

const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ')

/** The digest a tag or digest resolves to in a registry, or undefined when absent. */
export async function registryDigest(host: string, repository: string, reference: string, basic?: [string, string]): Promise<string | undefined> {
  const headers: Record<string, string> = { Accept: ACCEPT }
  if (basic) headers.Authorization = `Basic ${Buffer.from(basic.join(':')).toString('base64')}`
  const response = await fetch(`http://${host}/v2/${repository}/manifests/${reference}`, { method: 'HEAD', headers })
  if (response.status === 404) return undefined
  if (!response.ok) throw new Error(`HEAD ${repository}:${reference} -> ${response.status}`)
  return response.headers.get('docker-content-digest') ?? undefined
}

/** Lines of the step's log that are not the runner's own ::add-mask:: commands. */
export function logWithoutMaskCommands(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}\n${run.post?.stdout ?? ''}`
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
}
