// Signs in to the registries this step touches, per the `auth` input, and returns the docker
// config the tools must use.
import * as core from '@actions/core'
import { retried, type RegistryContext } from '@aks-gitops/toolkit'
import type { Credentials, EntraSettings } from '../inputs'
import { acrRefreshToken, checkPushPermission, entraAccessToken, githubIdToken } from './azure'
import { planTokenSignIn, type RegistryAccess } from './cloud'
import { createTemporaryConfig, dockerLogin, existingConfig, removeConfig, type DockerAuth } from './docker-config'
import { ACR_TOKEN_USERNAME, endpointsFor } from './token-exchange'

export type { RegistryAccess } from './cloud'

/** Attempts and per-command deadline: the toolkit's registry limits (RegistryContext). */
type Limits = Pick<RegistryContext, 'maxAttempts' | 'timeoutSeconds'>

async function login(auth: DockerAuth, registry: string, username: string, password: string, limits: Limits) {
  await retried(`docker login to ${registry} as ${username}`, limits, () => dockerLogin(auth, registry, username, password, limits.timeoutSeconds))
}

/**
 * oidc / service-principal: GitHub token (oidc) -> Entra token -> one ACR refresh token per ACR
 * login server listed (one identity may read the staging ACR and push to the production one);
 * a registry that is not an ACR login server gets no token and is read anonymously.
 */
async function tokenSignIn(credentials: Credentials, entra: EntraSettings, registries: RegistryAccess[], auth: DockerAuth, env: NodeJS.ProcessEnv, limits: Limits) {
  const { maxAttempts } = limits
  const plan = planTokenSignIn(registries, entra.loginServerSuffixes)
  auth.anonymousRegistries = plan.anonymous
  auth.acrTokenRegistries = []
  for (const registry of plan.anonymous) {
    core.info(`${registry} is not an ACR login server: it gets no token and is read anonymously (login-server-suffixes lists other ACR names)`)
  }
  if (plan.exchange.length === 0) return
  const endpoints = endpointsFor(entra.authorityHost, entra.tokenBaseOverride)
  const identity = { clientId: credentials.clientId ?? '', tenantId: credentials.tenantId ?? '' }
  const proof: { assertion: string } | { secret: string } =
    credentials.mode === 'oidc' ? { assertion: await githubIdToken(env, entra.audience, maxAttempts) } : { secret: credentials.secret ?? '' }
  const accessToken = await entraAccessToken(endpoints, identity, proof, maxAttempts)
  for (const access of plan.exchange) {
    const refreshToken = await acrRefreshToken(endpoints, access.registry, accessToken, maxAttempts)
    if (access.pushRepository) await checkPushPermission(endpoints, access.registry, access.pushRepository, refreshToken, maxAttempts)
    await login(auth, access.registry, ACR_TOKEN_USERNAME, refreshToken, limits)
    auth.acrTokenRegistries.push(access.registry)
    core.info(`Signed in to ${access.registry} with an ACR refresh token (${credentials.mode})`)
  }
}

/**
 * Signs in per the auth mode. admin / basic sign in to the destination (the first entry) only.
 * A sign-in that fails halfway removes the temporary docker config (and any refresh token already
 * written to it) at once, not only in the post step.
 */
export async function authenticate(
  credentials: Credentials,
  registries: RegistryAccess[],
  env: NodeJS.ProcessEnv,
  limits: Limits,
): Promise<DockerAuth> {
  if (credentials.mode === 'docker-config') {
    const auth = existingConfig(env)
    core.info(`Using the existing docker config in ${auth.dockerConfigDir}`)
    return auth
  }
  // main removes this directory in its finally block (and the post step again if main died).
  const auth = createTemporaryConfig(env.RUNNER_TEMP)
  try {
    await signIn(credentials, registries, auth, env, limits)
  } catch (error) {
    removeConfig(auth.dockerConfigDir)
    throw error
  }
  return auth
}

async function signIn(credentials: Credentials, registries: RegistryAccess[], auth: DockerAuth, env: NodeJS.ProcessEnv, limits: Limits) {
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
    case 'service-principal':
      if (!credentials.entra) throw new Error(`auth "${credentials.mode}" has no Entra settings`)
      await tokenSignIn(credentials, credentials.entra, registries, auth, env, limits)
      break
  }
}
