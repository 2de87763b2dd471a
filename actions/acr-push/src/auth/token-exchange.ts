// The OIDC chain with no stored secret: GitHub's ID token -> Microsoft Entra access token for the
// registry audience (federated credential) -> ACR refresh token (/oauth2/exchange). Requests are
// built by pure functions (tested for their exact shape) and sent by one small fetch wrapper.
import { withRetry } from '@aks-gitops/toolkit'
import { RegistryError, isRetryable, type FaultKind } from '../failures'

export const GITHUB_AUDIENCE = 'api://AzureADTokenExchange'
export const ACR_SCOPE = 'https://containerregistry.azure.net/.default'
export const DEFAULT_AUTHORITY_HOST = 'https://login.microsoftonline.com'
/** docker login's username for an ACR refresh token (an all-zero GUID, as `az acr login --expose-token` prints). */
export const ACR_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000'

export interface HttpRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  /** application/x-www-form-urlencoded fields. */
  form?: Record<string, string>
}

export interface Endpoints {
  /** Entra authority host; AZURE_AUTHORITY_HOST (as the Azure SDKs read it) overrides it for sovereign clouds and tests. */
  authorityHost: string
  /** Base URL of a registry's token endpoints: https://<registry> unless overridden for tests. */
  registryBase: (registry: string) => string
}

export function endpointsFromEnv(env: NodeJS.ProcessEnv): Endpoints {
  const authorityHost = (env.AZURE_AUTHORITY_HOST || DEFAULT_AUTHORITY_HOST).replace(/\/+$/, '')
  // Only tests set this: it points the token exchange at a local server instead of the registry.
  const override = env.ACR_PUSH_TOKEN_BASE_URL?.replace(/\/+$/, '')
  return { authorityHost, registryBase: (registry) => override || `https://${registry}` }
}

/** GitHub's OIDC endpoint: the runner gives the URL and a bearer token for it; we add the audience. */
export function githubIdTokenRequest(requestUrl: string, requestToken: string): HttpRequest {
  const url = new URL(requestUrl)
  url.searchParams.set('audience', GITHUB_AUDIENCE)
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

/** ACR's /oauth2/exchange: an Entra access token for an ACR refresh token. */
export function acrExchangeRequest(endpoints: Endpoints, registry: string, tenantId: string, accessToken: string): HttpRequest {
  return {
    method: 'POST',
    url: `${endpoints.registryBase(registry)}/oauth2/exchange`,
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    form: { grant_type: 'access_token', service: registry, tenant: tenantId, access_token: accessToken },
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

function statusKind(status: number): FaultKind {
  if (status === 401) return 'unauthorized'
  if (status === 403) return 'forbidden'
  if (status === 404) return 'not-found'
  if (status === 408) return 'timeout'
  if (status === 429) return 'throttled'
  if (status >= 500) return 'server-error'
  return 'other'
}

function networkKind(error: unknown): FaultKind {
  const cause = (error as { cause?: { code?: string } }).cause
  const code = cause?.code ?? (error as { code?: string }).code
  if (code === 'ENOTFOUND') return 'unknown-registry'
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || (error as Error).name === 'TimeoutError') return 'timeout'
  return 'unreachable'
}

/** Sends one request and returns its JSON body; an error status becomes a RegistryError with the server's own explanation. */
export async function sendJson(what: string, request: HttpRequest, timeoutMs = 30_000): Promise<Record<string, unknown>> {
  let response: Response
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.form ? { body: new URLSearchParams(request.form).toString() } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    })
  } catch (error) {
    const kind = networkKind(error)
    const reason = (error as { cause?: Error }).cause?.message ?? (error as Error).message
    // The URL is safe to show: secrets travel in headers and bodies only.
    throw new RegistryError(kind, `${what}: ${kind === 'timeout' ? 'timed out' : 'could not connect'} (${new URL(request.url).origin}: ${reason})`)
  }
  const text = await response.text()
  let body: Record<string, unknown> = {}
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {}
  } catch {
    body = {}
  }
  if (!response.ok) {
    // Entra answers {error, error_description}; ACR answers {errors: [{code, message}]}; neither echoes secrets.
    const errors = body.errors as Array<{ message?: string }> | undefined
    const explanation = String(body.error_description ?? body.error ?? errors?.[0]?.message ?? text.slice(0, 200)).split('\r\n')[0]
    throw new RegistryError(statusKind(response.status), `${what} failed with HTTP ${response.status}: ${explanation}`)
  }
  return body
}

export async function sendWithRetry(what: string, request: HttpRequest, maxAttempts: number, onRetry: (message: string) => void) {
  return withRetry(() => sendJson(what, request), {
    maxAttempts,
    baseDelayMs: 1000,
    isRetryable,
    onRetry: (error, attempt, delay) => onRetry(`${error instanceof Error ? error.message : String(error)}; attempt ${attempt + 1} in ${delay} ms`),
  })
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
