// The OIDC chain with no stored secret: GitHub's ID token -> Microsoft Entra access token for the
// registry audience (federated credential) -> ACR refresh token (/oauth2/exchange). Requests are
// built by pure functions (tested for their exact shape) and sent through the toolkit's
// proxy-aware HTTP client (HTTPS_PROXY / NO_PROXY, as on a self-hosted runner behind a proxy).
import { HttpNetworkError, RegistryError, errorMessage, httpStatusKind, networkErrorKind, proxyFor, sendRequest, type HttpRequest } from '@aks-gitops/toolkit'
import { isGuid } from './cloud'

export type { HttpRequest } from '@aks-gitops/toolkit'

export const ACR_SCOPE = 'https://containerregistry.azure.net/.default'
/** docker login's username for an ACR refresh token (an all-zero GUID, as `az acr login --expose-token` prints). */
export const ACR_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000'
const USER_AGENT = 'aks-gitops-acr-push'

export interface Endpoints {
  /** Entra authority host (the authority-host input, else AZURE_AUTHORITY_HOST, else the public cloud's). */
  authorityHost: string
  /** Base URL of a registry's token endpoints: https://<registry>, or the loopback test override. */
  registryBase: (registry: string) => string
}

export function endpointsFor(authorityHost: string, tokenBaseOverride?: string): Endpoints {
  return { authorityHost, registryBase: (registry) => tokenBaseOverride ?? `https://${registry}` }
}

/** GitHub's OIDC endpoint: the runner gives the URL and a bearer token for it; we add the audience. */
export function githubIdTokenRequest(requestUrl: string, requestToken: string, audience: string): HttpRequest {
  const url = new URL(requestUrl)
  url.searchParams.set('audience', audience)
  return { method: 'GET', url: url.toString(), headers: { Authorization: `Bearer ${requestToken}`, Accept: 'application/json' } }
}

/** Entra's v2.0 token endpoint, client-credentials grant with either a federated assertion or a secret. */
export function entraTokenRequest(
  endpoints: Endpoints,
  tenantId: string,
  clientId: string,
  proof: { assertion: string } | { secret: string },
): HttpRequest {
  const form: Record<string, string> = { client_id: clientId, scope: ACR_SCOPE, grant_type: 'client_credentials' }
  if ('assertion' in proof) {
    form.client_assertion_type = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'
    form.client_assertion = proof.assertion
  } else {
    form.client_secret = proof.secret
  }
  return {
    method: 'POST',
    url: `${endpoints.authorityHost}/${encodeURIComponent(tenantId)}/oauth2/v2.0/token`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    form,
  }
}

/**
 * ACR's /oauth2/exchange: an Entra access token for an ACR refresh token. `tenant` is "the AAD
 * tenant associated to the AAD credentials" (https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md)
 * and optional (the SDK's ExchangeAadAccessTokenForAcrRefreshToken defaults it:
 * https://learn.microsoft.com/dotnet/api/azure.containers.containerregistry.containerregistryclient.exchangeaadaccesstokenforacrrefreshtoken):
 * so it is the token's own tenant (`tid`) or left out, never the tenant-id input as typed (a domain name, say).
 */
export function acrExchangeRequest(endpoints: Endpoints, registry: string, accessToken: string): HttpRequest {
  const tid = jwtClaims(accessToken).tid
  return {
    method: 'POST',
    url: `${endpoints.registryBase(registry)}/oauth2/exchange`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    form: { grant_type: 'access_token', service: registry, ...(typeof tid === 'string' && isGuid(tid) ? { tenant: tid } : {}), access_token: accessToken },
  }
}

/** ACR's /oauth2/token: a refresh token for a repository-scoped access token (used to check push permission). */
export function acrTokenRequest(endpoints: Endpoints, registry: string, repository: string, refreshToken: string): HttpRequest {
  return {
    method: 'POST',
    url: `${endpoints.registryBase(registry)}/oauth2/token`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    form: { grant_type: 'refresh_token', service: registry, scope: `repository:${repository}:pull,push`, refresh_token: refreshToken },
  }
}

/** Sends one request and returns its JSON body; an error status becomes a RegistryError with the server's own explanation. */
export async function sendJson(what: string, request: HttpRequest, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  let status: number
  let text: string
  try {
    ;({ status, body: text } = await sendRequest(request, { userAgent: USER_AGENT, timeoutMs }))
  } catch (error) {
    if (!(error instanceof HttpNetworkError)) throw new RegistryError('other', `${what}: ${errorMessage(error)}`)
    const proxy = proxyFor(request.url)
    // A proxy that wants other credentials (407) will not change its mind on a second try.
    const kind = proxy && /statusCode=407/.test(error.message) ? 'unauthorized' : networkErrorKind(error.code)
    // The URL is safe to show: secrets travel in headers and bodies only.
    const where = `${new URL(request.url).origin}${proxy ? ` via proxy ${proxy}` : ''}`
    throw new RegistryError(kind, `${what}: ${kind === 'timeout' ? 'timed out' : 'could not connect'} (${where}: ${error.code} ${error.message})`)
  }
  let body: Record<string, unknown> = {}
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  } catch {
    body = {}
  }
  if (status < 200 || status > 299) {
    // Entra answers {error, error_description}; ACR answers {errors: [{code, message}]}; neither echoes secrets.
    const errors = body.errors as Array<{ message?: string }> | undefined
    const explanation = String(body.error_description ?? body.error ?? errors?.[0]?.message ?? text.slice(0, 200)).split('\r\n')[0]
    throw new RegistryError(httpStatusKind(status), `${what} failed with HTTP ${status}: ${explanation}`)
  }
  return body
}

/** Claims of a JWT, without verifying it (we only read what the issuer told us, for messages and checks). */
export function jwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1]
  if (!payload) return {}
  try {
    return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>
  } catch {
    return {}
  }
}

/** The actions an ACR access token grants on a repository (its `access` claim). */
export function grantedActions(accessToken: string, repository: string): string[] {
  const access = jwtClaims(accessToken).access
  if (!Array.isArray(access)) return []
  return access
    .filter((a: { type?: string; name?: string }) => a?.type === 'repository' && a.name === repository)
    .flatMap((a: { actions?: unknown }) => (Array.isArray(a.actions) ? a.actions.map(String) : []))
}
