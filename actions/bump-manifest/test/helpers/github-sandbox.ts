// One test's remote repository and the GitHub stand-in over it, removed when the test finishes.
import { onTestFinished } from 'vitest'
import { startFakeGitHub, type FakeGitHub, type FakeGitHubOptions } from './fake-github'
import { sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

export interface GitHubSandbox {
  box: Sandbox
  api: FakeGitHub
  /** A clone of the remote, where the step runs. */
  work: string
  /** The step's environment: GITHUB_API_URL points at the stand-in. */
  env: Record<string, string>
}

export async function githubSandbox(seed: Record<string, string>, token: string, options: Omit<FakeGitHubOptions, 'bare'> = {}): Promise<GitHubSandbox> {
  const box = sandbox(seed)
  const api = await startFakeGitHub('octo', 'gitops', token, { bare: box.remote, ...options })
  onTestFinished(async () => {
    await api.close()
    box.remove()
  })
  return { box, api, work: box.clone(), env: { GITHUB_API_URL: api.url } }
}
