// Signs in to the registries this step touches, per the `auth` input, and returns the docker
// config the tools must use.
import * as core from '@actions/core'
import { withRetry } from '@aks-gitops/toolkit'
import { isRetryable } from '../failures'
import type { Credentials } from '../inputs'
import { acrRefreshToken, checkPushPermission, entraAccessToken, githubIdToken } from './azure'
import { createTemporaryConfig, dockerLogin, existingConfig, type DockerAuth } from './docker-config'
import { ACR_TOKEN_USERNAME, endpointsFromEnv } from './token-exchange'

export interface Limits {
  maxAttempts: number
  timeoutSeconds: number
}

export interface RegistryAccess {
  registry: string
  /** The repository pushed to, for the push-permission check; undefined when only read. */
  pushRepository?: string
}

async function login(auth: DockerAuth, registry: string, username: string, password: string, limits: Limits) {
  const { maxAttempts, timeoutSeconds } = limits
  await withRetry(() => dockerLogin(auth, registry, username, password, timeoutSeconds), {
    maxAttempts,
    baseDelayMs: 1000,
    isRetryable,
    onRetry: (error, attempt, delay) => core.warning(`${error instanceof Error ? error.message : String(error)}; attempt ${attempt + 1} in ${delay} ms`),
  })
}

/**
 * oidc / service-principal sign in to every registry listed (one identity may read the staging
 * ACR and push to the production one); admin / basic sign in to the destination (the first entry) only.
 */
export async function authenticate(
  credentials: Credentials,
  registries: RegistryAccess[],
  env: NodeJS.ProcessEnv,
  limits: Limits,
): Promise<DockerAuth> {
  const { maxAttempts } = limits
  if (credentials.mode === 'docker-config') {
    const auth = existingConfig(env)
    core.info(`Using the existing docker config in ${auth.dockerConfigDir}`)
    return auth
  }
  // main removes this directory in its finally block (and the post step again if main died).
  const auth = createTemporaryConfig(env.RUNNER_TEMP)
  switch (credentials.mode) {
    case 'none':
      core.info('auth: none (anonymous access)')
      break
    case 'admin':
    case 'basic': {
      if (credentials.mode === 'admin') {
        core.warning(
          'auth "admin" uses the registry\'s admin account: one shared password with full rights over every repository. Prefer "oidc" with a federated credential and the AcrPush role.',
        )
      }
      const target = registries[0]
      if (target) await login(auth, target.registry, credentials.username ?? '', credentials.secret ?? '', limits)
      break
    }
    case 'oidc':
    case 'service-principal': {
      const endpoints = endpointsFromEnv(env)
      const identity = { clientId: credentials.clientId ?? '', tenantId: credentials.tenantId ?? '' }
      const proof: { assertion: string } | { secret: string } =
        credentials.mode === 'oidc' ? { assertion: await githubIdToken(env, maxAttempts) } : { secret: credentials.secret ?? '' }
      const accessToken = await entraAccessToken(endpoints, identity, proof, maxAttempts)
      for (const access of registries) {
        const refreshToken = await acrRefreshToken(endpoints, access.registry, identity.tenantId, accessToken, maxAttempts)
        if (access.pushRepository) await checkPushPermission(endpoints, access.registry, access.pushRepository, refreshToken, maxAttempts)
        await login(auth, access.registry, ACR_TOKEN_USERNAME, refreshToken, limits)
        core.info(`Signed in to ${access.registry} with an ACR refresh token (${credentials.mode})`)
      }
      break
    }
  }
  return auth
}
