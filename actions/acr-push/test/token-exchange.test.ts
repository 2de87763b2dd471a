// The OIDC chain against a local server that answers in the documented shapes of GitHub's OIDC
// endpoint, Entra's token endpoint and ACR's /oauth2/exchange and /oauth2/token: exact requests asserted.
import { afterEach, describe, expect, it, vi } from 'vitest'

const masked: string[] = []
const warnings: string[] = []
vi.mock('@actions/core', () => ({
  setSecret: (s: string) => masked.push(s),
  warning: (s: string) => warnings.push(s),
  info: () => undefined,
  debug: () => undefined,
}))

const { acrRefreshToken, checkPushPermission, entraAccessToken, githubIdToken } = await import('../src/auth/azure')
const { ACR_SCOPE, acrExchangeRequest, endpointsFor, entraTokenRequest, githubIdTokenRequest, grantedActions } = await import('../src/auth/token-exchange')
const { RegistryError } = await import('@aks-gitops/toolkit')
const { GITHUB_REQUEST_TOKEN, REPOSITORY_CLAIMS, TOKEN_TENANT, fakeJwt, startFakeAzure } = await import('./helpers/fake-azure')

const PUBLIC = 'api://AzureADTokenExchange'
/** The endpoints a step gets when pointed at the local server (authority host and registry override). */
const local = (fake: { base: string }) => endpointsFor(fake.base, fake.base)

const TENANT = '11111111-2222-3333-4444-555555555555'
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const REGISTRY = 'contosoprod.azurecr.io'

let stop: (() => Promise<void>) | undefined
afterEach(async () => {
  await stop?.()
  stop = undefined
  masked.length = 0
  warnings.length = 0
})

describe('request shapes', () => {
  it('asks GitHub for a token with the Entra audience, keeping the runner-given query', () => {
    const request = githubIdTokenRequest('https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0', 'tok', PUBLIC)
    expect(request.method).toBe('GET')
    const url = new URL(request.url)
    expect(url.searchParams.get('api-version')).toBe('2.0')
    expect(url.searchParams.get('audience')).toBe('api://AzureADTokenExchange')
    expect(request.headers.Authorization).toBe('Bearer tok')
  })

  it('sends token requests to the authority host and to https://<registry> unless the loopback override is set', () => {
    const real = endpointsFor('https://login.microsoftonline.us')
    expect(entraTokenRequest(real, TENANT, CLIENT, { secret: 's' }).url).toBe(`https://login.microsoftonline.us/${TENANT}/oauth2/v2.0/token`)
    expect(acrExchangeRequest(real, REGISTRY, 'x').url).toBe(`https://${REGISTRY}/oauth2/exchange`)
    const overridden = endpointsFor('http://127.0.0.1:9', 'http://127.0.0.1:8')
    expect(acrExchangeRequest(overridden, REGISTRY, 'x').url).toBe('http://127.0.0.1:8/oauth2/exchange')
  })

  // Item 8: ACR's exchange takes "the AAD tenant associated to the AAD credentials"
  // (https://github.com/Azure/acr/blob/main/docs/AAD-OAuth.md), optional in the SDK
  // (https://learn.microsoft.com/dotnet/api/azure.containers.containerregistry.containerregistryclient.exchangeaadaccesstokenforacrrefreshtoken):
  // the Entra token's own tid, never the tenant-id input as typed (it may be a domain name).
  it('sends the tenant from the Entra token (tid), or no tenant when the token has none', () => {
    const endpoints = endpointsFor('https://login.microsoftonline.com')
    const withTid = fakeJwt({ tid: TOKEN_TENANT })
    expect(acrExchangeRequest(endpoints, REGISTRY, withTid).form).toEqual({ grant_type: 'access_token', service: REGISTRY, tenant: TOKEN_TENANT, access_token: withTid })
    for (const token of [fakeJwt({ aud: 'x' }), fakeJwt({ tid: 'contoso.onmicrosoft.com' }), 'opaque-token']) {
      expect(acrExchangeRequest(endpoints, REGISTRY, token).form).toEqual({ grant_type: 'access_token', service: REGISTRY, access_token: token })
    }
  })

  it('reads the repository actions an ACR access token grants', () => {
    const token = fakeJwt({ access: [{ type: 'repository', name: 'vote', actions: ['pull'] }, { type: 'repository', name: 'other', actions: ['push'] }] })
    expect(grantedActions(token, 'vote')).toEqual(['pull'])
    expect(grantedActions('not-a-jwt', 'vote')).toEqual([])
  })
})

describe('the OIDC chain against a local server', () => {
  it('sends exactly the documented requests and masks every token', async () => {
    const fake = await startFakeAzure()
    stop = fake.stop
    const endpoints = local(fake)

    const idToken = await githubIdToken(fake.env, PUBLIC, 1)
    const aad = await entraAccessToken(endpoints, { clientId: CLIENT, tenantId: TENANT }, { assertion: idToken }, 1)
    const refresh = await acrRefreshToken(endpoints, REGISTRY, aad, 1)
    await checkPushPermission(endpoints, REGISTRY, 'team/vote', refresh, 1)

    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /github/token',
      `POST /${TENANT}/oauth2/v2.0/token`,
      'POST /oauth2/exchange',
      'POST /oauth2/token',
    ])
    const [github, entra, exchange, token] = fake.requests
    expect(github?.query).toEqual({ 'api-version': '2.0', audience: 'api://AzureADTokenExchange' })
    expect(github?.headers.authorization).toBe(`Bearer ${GITHUB_REQUEST_TOKEN}`)
    for (const post of [entra, exchange, token]) expect(post?.headers['content-type']).toBe('application/x-www-form-urlencoded')
    expect(entra?.form).toEqual({
      client_id: CLIENT,
      scope: ACR_SCOPE,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: fake.githubToken,
    })
    expect(ACR_SCOPE).toBe('https://containerregistry.azure.net/.default')
    expect(exchange?.form).toEqual({ grant_type: 'access_token', service: REGISTRY, tenant: TOKEN_TENANT, access_token: fake.aadToken })
    expect(token?.form).toEqual({ grant_type: 'refresh_token', service: REGISTRY, scope: 'repository:team/vote:pull,push', refresh_token: fake.refreshToken })
    expect(refresh).toBe(fake.refreshToken)
    for (const secret of [GITHUB_REQUEST_TOKEN, fake.githubToken, fake.aadToken, fake.refreshToken]) expect(masked).toContain(secret)
  })

  it('uses the client secret instead of an assertion for a service principal', async () => {
    const fake = await startFakeAzure({ clientSecret: 'sp-secret' })
    stop = fake.stop
    await entraAccessToken(local(fake), { clientId: CLIENT, tenantId: TENANT }, { secret: 'sp-secret' }, 1)
    expect(fake.requests[0]?.form).toEqual({ client_id: CLIENT, scope: ACR_SCOPE, grant_type: 'client_credentials', client_secret: 'sp-secret' })
  })

  it('on AADSTS700213 prints the subject presented and both subject forms for this job', async () => {
    const fake = await startFakeAzure({ subject: 'repo:octo/shop:environment:staging', acceptedSubjects: ['repo:octo/shop:environment:production'] })
    stop = fake.stop
    const idToken = await githubIdToken(fake.env, PUBLIC, 1)
    const failure = entraAccessToken(local(fake), { clientId: CLIENT, tenantId: TENANT }, { assertion: idToken }, 3)
    const message = await failure.then(() => '', (e: Error) => e.message)
    expect(message).toMatch(/HTTP 400: AADSTS700213/)
    expect(message).toContain('GitHub presented the subject "repo:octo/shop:environment:staging"')
    expect(message).toContain('repo:octo/shop:environment:staging   (repositories created before 2026-06-18')
    const { repository_owner_id: ownerId, repository_id: repoId } = REPOSITORY_CLAIMS
    expect(message).toContain(`repo:octo@${ownerId}/shop@${repoId}:environment:staging   (immutable IDs`)
    expect(message).toContain('gh api repos/octo/shop/actions/oidc/customization/sub')
    // A 400 never changes on a second try.
    expect(fake.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'))).toHaveLength(1)
  })

  it('gives the same hint for an audience mismatch (AADSTS700212), and none for other Entra errors', async () => {
    const fake = await startFakeAzure({ clientSecret: 'right' })
    stop = fake.stop
    const usGov = await githubIdToken(fake.env, 'api://AzureADTokenExchangeUSGov', 1)
    expect(fake.requests[0]?.query.audience).toBe('api://AzureADTokenExchangeUSGov')
    const audience = entraAccessToken(local(fake), { clientId: CLIENT, tenantId: TENANT }, { assertion: usGov }, 1)
    await expect(audience).rejects.toThrow(/AADSTS700212[\s\S]*audience api:\/\/AzureADTokenExchangeUSGov\)[\s\S]*one of two forms/)
    const secret = entraAccessToken(local(fake), { clientId: CLIENT, tenantId: TENANT }, { secret: 'wrong' }, 1)
    const message = await secret.then(() => '', (e: Error) => e.message)
    expect(message).toMatch(/HTTP 401: AADSTS7000215/)
    expect(message).not.toMatch(/subject|federated credential/)
  })

  it('refuses to send a token request to a non-loopback http URL (nothing leaves the machine)', async () => {
    const failure = entraAccessToken(endpointsFor('http://login.example.com'), { clientId: CLIENT, tenantId: TENANT }, { secret: 'x' }, 1)
    await expect(failure).rejects.toThrow(/refusing to send credentials to "http:\/\/login\.example\.com" is not https/)
  })

  it('retries throttling and server errors with backoff, then succeeds', async () => {
    const fake = await startFakeAzure({ failures: { '/oauth2/exchange': [429, 503] } })
    stop = fake.stop
    const refresh = await acrRefreshToken(local(fake), REGISTRY, fake.aadToken, 3)
    expect(refresh).toBe(fake.refreshToken)
    expect(fake.requests.filter((r) => r.path === '/oauth2/exchange')).toHaveLength(3)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/HTTP 429/)
  }, 20_000)

  it('fails with the role to grant when the identity may only pull', async () => {
    const fake = await startFakeAzure({ grantedActions: ['pull'] })
    stop = fake.stop
    const failure = checkPushPermission(local(fake), REGISTRY, 'vote', fake.refreshToken, 1)
    await expect(failure).rejects.toThrow(/may not push to contosoprod\.azurecr\.io\/vote \(granted: pull\)\. Assign it AcrPush/)
    await expect(failure).rejects.toBeInstanceOf(RegistryError)
  })

  it('explains a job without id-token: write permission', async () => {
    await expect(githubIdToken({}, PUBLIC, 1)).rejects.toThrow(/permissions: id-token: write/)
  })

  it('reports an unreachable token endpoint as such', async () => {
    const endpoints = endpointsFor('http://127.0.0.1:1')
    const failure = entraAccessToken(endpoints, { clientId: CLIENT, tenantId: TENANT }, { secret: 'x' }, 1)
    await expect(failure).rejects.toThrow(/could not connect \(http:\/\/127\.0\.0\.1:1/)
  })
})
