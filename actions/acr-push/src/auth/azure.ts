// Gets an ACR refresh token for a registry: from GitHub's OIDC token through a federated identity
// credential (oidc), or from a client secret (service-principal). Every token is masked as soon
// as it exists; none is ever logged, put in argv, or written anywhere but the temporary docker config.
import * as core from '@actions/core'
import { RegistryError, retried } from '@aks-gitops/toolkit'
import { federatedCredentialHint, isFederatedCredentialMismatch } from './subject-hint'
import {
  acrExchangeRequest,
  acrTokenRequest,
  entraTokenRequest,
  githubIdTokenRequest,
  grantedActions,
  jwtClaims,
  sendJson,
  type Endpoints,
} from './token-exchange'

export interface AzureIdentity {
  clientId: string
  tenantId: string
}

function stringField(body: Record<string, unknown>, field: string, what: string): string {
  const value = body[field]
  if (typeof value !== 'string' || value === '') throw new RegistryError('other', `${what}: the response has no ${field}`)
  core.setSecret(value)
  return value
}

/** GitHub's OIDC token for `audience` (api://AzureADTokenExchange, or the sovereign cloud's). */
export async function githubIdToken(env: NodeJS.ProcessEnv, audience: string, maxAttempts: number): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL
  const token = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN
  if (!url || !token) {
    throw new RegistryError(
      'other',
      'auth "oidc" needs GitHub\'s OIDC token, but ACTIONS_ID_TOKEN_REQUEST_URL/TOKEN are not set: give the job `permissions: id-token: write` (pull requests from forks never get one)',
    )
  }
  core.setSecret(token)
  const what = 'GitHub OIDC token request'
  const request = githubIdTokenRequest(url, token, audience)
  const body = await retried(what, { maxAttempts }, () => sendJson(what, request))
  return stringField(body, 'value', what)
}

/** Entra access token for the registry audience. */
export async function entraAccessToken(
  endpoints: Endpoints,
  identity: AzureIdentity,
  proof: { assertion: string } | { secret: string },
  maxAttempts: number,
): Promise<string> {
  const what = 'Microsoft Entra token request'
  const request = entraTokenRequest(endpoints, identity.tenantId, identity.clientId, proof)
  try {
    const body = await retried(what, { maxAttempts }, () => sendJson(what, request))
    return stringField(body, 'access_token', what)
  } catch (error) {
    // Only Entra's "no matching federated identity record" errors get the subject hint.
    if (error instanceof RegistryError && 'assertion' in proof && isFederatedCredentialMismatch(error.message)) {
      throw new RegistryError(error.kind, `${error.message}\n${federatedCredentialHint(jwtClaims(proof.assertion), identity.clientId)}`)
    }
    throw error
  }
}

export async function acrRefreshToken(endpoints: Endpoints, registry: string, accessToken: string, maxAttempts: number) {
  const what = `ACR token exchange at ${registry}`
  const request = acrExchangeRequest(endpoints, registry, accessToken)
  const body = await retried(what, { maxAttempts }, () => sendJson(what, request))
  return stringField(body, 'refresh_token', what)
}

/** Fails early, with the role to grant, when the identity may not push to the repository. */
export async function checkPushPermission(endpoints: Endpoints, registry: string, repository: string, refreshToken: string, maxAttempts: number) {
  const what = `ACR token request for repository ${repository} at ${registry}`
  const request = acrTokenRequest(endpoints, registry, repository, refreshToken)
  const body = await retried(what, { maxAttempts }, () => sendJson(what, request))
  const accessToken = stringField(body, 'access_token', what)
  const actions = grantedActions(accessToken, repository)
  if (!actions.includes('push')) {
    throw new RegistryError(
      'forbidden',
      `${what}: the identity may not push to ${registry}/${repository} (granted: ${actions.join(', ') || 'nothing'}). Assign it AcrPush on the registry, or on registries with ABAC repository permissions the "Container Registry Repository Writer" role scoped to this repository.`,
    )
  }
}
