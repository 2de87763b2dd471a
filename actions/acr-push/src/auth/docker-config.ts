// The temporary docker config every tool of this step reads (docker, buildx via DOCKER_CONFIG;
// skopeo via --authfile): a 0700 directory in RUNNER_TEMP holding a 0600 config.json, removed at
// the end of main and, should main die, by the post step.
import * as core from '@actions/core'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { runTool } from '@aks-gitops/toolkit'
import type { SignInOutcome } from '../failures'

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

/**
 * docker looks for CLI plugins in DOCKER_CONFIG/cli-plugins, then in the config's
 * cliPluginsExtraDirs (absolute paths), then in the system directories
 * (https://docs.docker.com/reference/cli/docker/#docker-cli-configuration-file-configjson-properties;
 * docker/cli cli-plugins/manager/manager_unix.go). docker/setup-buildx-action installs buildx into
 * the original config's cli-plugins, so the temporary config must list that directory, and any extra
 * directories the original config names, or a switched DOCKER_CONFIG would lose that buildx.
 */
export function pluginDirs(originalDir: string, originalConfig: string | undefined): string[] {
  let extra: unknown
  try {
    extra = originalConfig ? (JSON.parse(originalConfig) as { cliPluginsExtraDirs?: unknown }).cliPluginsExtraDirs : undefined
  } catch {
    extra = undefined
  }
  const listed = Array.isArray(extra) ? extra.filter((d): d is string => typeof d === 'string' && isAbsolute(d)) : []
  return [...new Set([join(originalDir, 'cli-plugins'), ...listed])]
}

function originalDockerConfigDir(env: NodeJS.ProcessEnv): string {
  return env.DOCKER_CONFIG || join(homedir(), '.docker')
}

export function createTemporaryConfig(runnerTemp: string | undefined, env: NodeJS.ProcessEnv = process.env): DockerAuth {
  const original = originalDockerConfigDir(env)
  let originalConfig: string | undefined
  try {
    originalConfig = readFileSync(join(original, 'config.json'), 'utf8')
  } catch {
    originalConfig = undefined // no config there (or unreadable): only its cli-plugins directory
  }
  const plugins = pluginDirs(original, originalConfig)
  const dir = mkdtempSync(join(runnerTemp || tmpdir(), 'acr-push-docker-config-'))
  chmodSync(dir, 0o700)
  const authFile = join(dir, 'config.json')
  writeFileSync(authFile, `${JSON.stringify({ auths: {}, cliPluginsExtraDirs: plugins })}\n`, { mode: 0o600 })
  core.saveState(STATE_DOCKER_CONFIG, dir)
  return { dockerConfigDir: dir, authFile, temporary: true }
}

/** The docker config the job already has (after azure/docker-login, `az acr login`, ...). */
export function existingConfig(env: NodeJS.ProcessEnv): DockerAuth {
  const dir = originalDockerConfigDir(env)
  const authFile = join(dir, 'config.json')
  return { dockerConfigDir: dir, ...(existsSync(authFile) ? { authFile } : {}), temporary: false }
}

/** docker login with the password on stdin: it never appears in argv or the log. */
export async function dockerLogin(auth: DockerAuth, registry: string, username: string, password: string, timeoutSeconds: number): Promise<void> {
  core.setSecret(password)
  core.setSecret(Buffer.from(`${username}:${password}`).toString('base64'))
  await runTool('docker', ['login', registry, '--username', username, '--password-stdin'], timeoutSeconds, {
    env: { DOCKER_CONFIG: auth.dockerConfigDir },
    input: password,
  })
  if (auth.authFile) chmodSync(auth.authFile, 0o600)
}

/** Removes the directory; false when there was nothing to remove. */
export function removeConfig(dir: string): boolean {
  if (!dir || !existsSync(dir)) return false
  rmSync(dir, { recursive: true, force: true })
  return true
}
