// The temporary docker config every tool of this step reads (docker, buildx via DOCKER_CONFIG;
// skopeo via --authfile): a 0700 directory in RUNNER_TEMP holding a 0600 config.json, removed at
// the end of main and, should main die, by the post step.
import * as core from '@actions/core'
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { toRegistryError, type SignInOutcome } from '../failures'
import { runTool } from '../run-tool'

export const STATE_DOCKER_CONFIG = 'temporary-docker-config'

/** The outcome fields say, after sign-in, who got an ACR token and who is read anonymously. */
export interface DockerAuth extends Partial<SignInOutcome> {
  /** DOCKER_CONFIG for docker and buildx. */
  dockerConfigDir: string
  /** config.json for skopeo --authfile, when one exists. */
  authFile?: string
  /** True when this step created the directory and must remove it. */
  temporary: boolean
}

export function createTemporaryConfig(runnerTemp: string | undefined): DockerAuth {
  const dir = mkdtempSync(join(runnerTemp || tmpdir(), 'acr-push-docker-config-'))
  chmodSync(dir, 0o700)
  const authFile = join(dir, 'config.json')
  writeFileSync(authFile, '{"auths":{}}\n', { mode: 0o600 })
  core.saveState(STATE_DOCKER_CONFIG, dir)
  return { dockerConfigDir: dir, authFile, temporary: true }
}

/** The docker config the job already has (after azure/docker-login, `az acr login`, ...). */
export function existingConfig(env: NodeJS.ProcessEnv): DockerAuth {
  const dir = env.DOCKER_CONFIG || join(homedir(), '.docker')
  const authFile = join(dir, 'config.json')
  return { dockerConfigDir: dir, ...(existsSync(authFile) ? { authFile } : {}), temporary: false }
}

/** docker login with the password on stdin: it never appears in argv or the log. */
export async function dockerLogin(auth: DockerAuth, registry: string, username: string, password: string, timeoutSeconds: number): Promise<void> {
  core.setSecret(password)
  core.setSecret(Buffer.from(`${username}:${password}`).toString('base64'))
  try {
    await runTool('docker', ['login', registry, '--username', username, '--password-stdin'], timeoutSeconds, {
      env: { DOCKER_CONFIG: auth.dockerConfigDir },
      input: password,
    })
  } catch (error) {
    throw toRegistryError(`docker login to ${registry} as ${username}`, error)
  }
  if (auth.authFile) chmodSync(auth.authFile, 0o600)
}

/** Removes the directory; false when there was nothing to remove. */
export function removeConfig(dir: string): boolean {
  if (!dir || !existsSync(dir)) return false
  rmSync(dir, { recursive: true, force: true })
  return true
}
