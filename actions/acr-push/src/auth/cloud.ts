// Pure rules of the Azure side of sign-in: which registries may receive an Entra-derived token,
// the defaults that follow the cloud (authority host -> GitHub token audience), and what an Entra GUID is.
import { hostName, insecureUrlReason, isLoopbackHost } from '@aks-gitops/toolkit'

/**
 * ACR login servers in Azure's clouds: public, China (21Vianet), US Government, as the Azure CLI's
 * cloud definitions name them (acr_login_server_endpoint). An ACR refresh token is valid for every
 * registry the identity can reach, so it is exchanged at these hosts only, never at a registry that
 * merely answers with ACR's challenge:
 * https://learn.microsoft.com/azure/container-registry/container-registry-authentication#az-acr-login-with---expose-token
 */
export const ACR_LOGIN_SERVER_SUFFIXES = ['azurecr.io', 'azurecr.cn', 'azurecr.us'] as const

const GUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** An Entra GUID (client id, tenant id, a token's tid): xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx. */
export function isGuid(value: string): boolean {
  return GUID_RE.test(value)
}

export const PUBLIC_AUTHORITY_HOST = 'https://login.microsoftonline.com'

/**
 * The audience GitHub's token must carry for Entra in each cloud
 * (https://learn.microsoft.com/entra/workload-id/workload-identity-federation-create-trust, "audience"),
 * keyed by the cloud's authority host (the Azure SDKs' AzureAuthorityHosts).
 */
const AUDIENCE_BY_AUTHORITY: Record<string, string> = {
  'login.microsoftonline.com': 'api://AzureADTokenExchange',
  'login.microsoftonline.us': 'api://AzureADTokenExchangeUSGov',
  'login.chinacloudapi.cn': 'api://AzureADTokenExchangeChina',
  'login.partner.microsoftonline.cn': 'api://AzureADTokenExchangeChina',
}
export const PUBLIC_AUDIENCE = 'api://AzureADTokenExchange'

export function defaultAudience(authorityHost: string): string {
  return AUDIENCE_BY_AUTHORITY[new URL(authorityHost).hostname.toLowerCase()] ?? PUBLIC_AUDIENCE
}

/** An authority host as given (input or AZURE_AUTHORITY_HOST): an https origin (http only on loopback), no path. */
export function parseAuthorityHost(value: string): string {
  const reason = insecureUrlReason(value)
  if (reason) throw new Error(`${reason} (expected e.g. https://login.microsoftonline.us)`)
  const url = new URL(value)
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || url.username) {
    throw new Error(`"${value}" must be a bare origin such as https://login.microsoftonline.us (no path, query or credentials)`)
  }
  return url.origin
}

/** One entry of login-server-suffixes: a DNS suffix (acr.contoso.internal) or an exact host:port (127.0.0.1:5000). */
export function parseLoginServerSuffix(value: string): string {
  const entry = value.trim().toLowerCase().replace(/^\./, '')
  if (!/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?::\d{1,5})?$/.test(entry) && !/^\[::1\](?::\d{1,5})?$/.test(entry)) {
    throw new Error(`"${value}" is not a host name suffix or host:port (expected e.g. azurecr.example.cloud or 127.0.0.1:5000; no scheme, path or wildcard)`)
  }
  return entry
}

/** True for a registry (host[:port]) under one of the ACR suffixes or the extra entries; an entry with a port matches exactly. */
export function isAcrLoginServer(registry: string, extraSuffixes: readonly string[]): boolean {
  const full = registry.toLowerCase()
  const host = hostName(full)
  return [...ACR_LOGIN_SERVER_SUFFIXES, ...extraSuffixes].some((entry) =>
    /:\d+$/.test(entry) ? full === entry : host === entry || host.endsWith(`.${entry}`),
  )
}

/** The test-only override of the registry token endpoints: loopback hosts only, so it can never redirect a token elsewhere. */
export function parseTokenBaseOverride(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`ACR_PUSH_TOKEN_BASE_URL "${value}" is not a URL`)
  }
  if (!isLoopbackHost(url.host) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new Error(`ACR_PUSH_TOKEN_BASE_URL may only name a loopback host (localhost, 127.0.0.0/8, [::1]) for tests, not "${url.origin}"`)
  }
  return url.origin
}

export interface RegistryAccess {
  registry: string
  /** The repository pushed to, for the push-permission check; undefined when only read. */
  pushRepository?: string
}

export interface SignInPlan {
  /** Registries that get an ACR refresh token (oidc, service-principal). */
  exchange: RegistryAccess[]
  /** Registries read without credentials, because they are not ACR login servers. */
  anonymous: string[]
}

/** Splits the registries a step touches into those that may receive an ACR token and those read anonymously. */
export function planTokenSignIn(registries: RegistryAccess[], extraSuffixes: readonly string[]): SignInPlan {
  const plan: SignInPlan = { exchange: [], anonymous: [] }
  for (const access of registries) {
    if (isAcrLoginServer(access.registry, extraSuffixes)) plan.exchange.push(access)
    else if (access.pushRepository) {
      // inputs.ts refuses such a destination already; this keeps the rule where the token is sent.
      throw new Error(`${access.registry} is not an ACR login server: no token is sent to it`)
    } else plan.anonymous.push(access.registry)
  }
  return plan
}
