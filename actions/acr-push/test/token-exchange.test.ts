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
const { ACR_SCOPE, acrExchangeRequest, endpointsFromEnv, entraTokenRequest, githubIdTokenRequest, grantedActions } = await import('../src/auth/token-exchange')
const { RegistryError } = await import('../src/failures')
const { GITHUB_REQUEST_TOKEN, fakeJwt, startFakeAzure } = await import('./helpers/fake-azure')

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
    const request = githubIdTokenRequest('https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0', 'tok')
    expect(request.method).toBe('GET')
    const url = new URL(request.url)
    expect(url.searchParams.get('api-version')).toBe('2.0')
    expect(url.searchParams.get('audience')).toBe('api://AzureADTokenExchange')
    expect(request.headers.Authorization).toBe('Bearer tok')
  })

  it('defaults to the public Entra authority and the registry host, with overrides from the environment', () => {
    const real = endpointsFromEnv({})
    expect(entraTokenRequest(real, TENANT, CLIENT, { secret: 's' }).url).toBe(`https://login.microsoftonline.com/${TENANT}/oauth2/v2.0/token`)
    expect(acrExchangeRequest(real, REGISTRY, TENANT, 'x').url).toBe(`https://${REGISTRY}/oauth2/exchange`)
    const local = endpointsFromEnv({ AZURE_AUTHORITY_HOST: 'http://127.0.0.1:9/', ACR_PUSH_TOKEN_BASE_URL: 'http://127.0.0.1:8' })
    expect(entraTokenRequest(local, TENANT, CLIENT, { secret: 's' }).url).toBe(`http://127.0.0.1:9/${TENANT}/oauth2/v2.0/token`)
    expect(acrExchangeRequest(local, REGISTRY, TENANT, 'x').url).toBe('http://127.0.0.1:8/oauth2/exchange')
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
    const endpoints = endpointsFromEnv(fake.env)

    const idToken = await githubIdToken(fake.env, 1)
    const aad = await entraAccessToken(endpoints, { clientId: CLIENT, tenantId: TENANT }, { assertion: idToken }, 1)
    const refresh = await acrRefreshToken(endpoints, REGISTRY, TENANT, aad, 1)
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
    expect(exchange?.form).toEqual({ grant_type: 'access_token', service: REGISTRY, tenant: TENANT, access_token: fake.aadToken })
    expect(token?.form).toEqual({ grant_type: 'refresh_token', service: REGISTRY, scope: 'repository:team/vote:pull,push', refresh_token: fake.refreshToken })
    expect(refresh).toBe(fake.refreshToken)
    for (const secret of [GITHUB_REQUEST_TOKEN, fake.githubToken, fake.aadToken, fake.refreshToken]) expect(masked).toContain(secret)
  })

  it('uses the client secret instead of an assertion for a service principal', async () => {
    const fake = await startFakeAzure({ clientSecret: 'sp-secret' })
    stop = fake.stop
    await entraAccessToken(endpointsFromEnv(fake.env), { clientId: CLIENT, tenantId: TENANT }, { secret: 'sp-secret' }, 1)
    expect(fake.requests[0]?.form).toEqual({ client_id: CLIENT, scope: ACR_SCOPE, grant_type: 'client_credentials', client_secret: 'sp-secret' })
  })

  it('names the subject to add when no federated credential matches', async () => {
    const fake = await startFakeAzure({ subject: 'repo:octo/shop:ref:refs/heads/develop', acceptedSubjects: ['repo:octo/shop:environment:production'] })
    stop = fake.stop
    const idToken = await githubIdToken(fake.env, 1)
    const failure = entraAccessToken(endpointsFromEnv(fake.env), { clientId: CLIENT, tenantId: TENANT }, { assertion: idToken }, 3)
    await expect(failure).rejects.toThrow(/HTTP 400: AADSTS700213[\s\S]*subject is "repo:octo\/shop:ref:refs\/heads\/develop"/)
    // A 400 never changes on a second try.
    expect(fake.requests.filter((r) => r.path.endsWith('/oauth2/v2.0/token'))).toHaveLength(1)
  })

  it('retries throttling and server errors with backoff, then succeeds', async () => {
    const fake = await startFakeAzure({ failures: { '/oauth2/exchange': [429, 503] } })
    stop = fake.stop
    const refresh = await acrRefreshToken(endpointsFromEnv(fake.env), REGISTRY, TENANT, fake.aadToken, 3)
    expect(refresh).toBe(fake.refreshToken)
    expect(fake.requests.filter((r) => r.path === '/oauth2/exchange')).toHaveLength(3)
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toMatch(/HTTP 429/)
  }, 20_000)

  it('fails with the role to grant when the identity may only pull', async () => {
    const fake = await startFakeAzure({ grantedActions: ['pull'] })
    stop = fake.stop
    const failure = checkPushPermission(endpointsFromEnv(fake.env), REGISTRY, 'vote', fake.refreshToken, 1)
    await expect(failure).rejects.toThrow(/may not push to contosoprod\.azurecr\.io\/vote \(granted: pull\)\. Assign it AcrPush/)
    await expect(failure).rejects.toBeInstanceOf(RegistryError)
  })

  it('explains a job without id-token: write permission', async () => {
    await expect(githubIdToken({}, 1)).rejects.toThrow(/permissions: id-token: write/)
  })

  it('reports an unreachable token endpoint as such', async () => {
    const endpoints = endpointsFromEnv({ AZURE_AUTHORITY_HOST: 'http://127.0.0.1:1' })
    const failure = entraAccessToken(endpoints, { clientId: CLIENT, tenantId: TENANT }, { secret: 'x' }, 1)
    await expect(failure).rejects.toThrow(/could not connect \(http:\/\/127\.0\.0\.1:1/)
  })
})
