// Issue 11, item 4: on a self-hosted runner behind a proxy, the sign-in requests go through
// HTTPS_PROXY (with its credentials) and honour NO_PROXY, as the runner documents
// (https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/using-a-proxy-server-with-self-hosted-runners).
// The committed bundle runs against the local Entra/GitHub/ACR stand-in served over https on
// loopback behind the real host names (a throwaway CA, trusted through NODE_EXTRA_CA_CERTS); only a
// local CONNECT proxy knows where those names are, so a request that bypassed it could not connect.
// Loopback (the registry and its token endpoints here) is never proxied, as in @actions/http-client and Go.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { makeCertificates, startConnectProxy, type TestCertificates } from './helpers/connect-proxy'
import { GITHUB_REQUEST_TOKEN, startFakeAzure } from './helpers/fake-azure'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

const ACR_USER = '00000000-0000-0000-0000-000000000000'
const REFRESH = 'acr-refresh-token-proxy-3e1f'
const TENANT = '11111111-2222-3333-4444-555555555555'
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const GITHUB_HOST = 'pipelines.actions.githubusercontent.com'
const ENTRA_HOST = 'login.microsoftonline.com'
/** An authority under .invalid (RFC 6761: never resolves), reachable only through the proxy. */
const PRIVATE_ENTRA_HOST = 'login.stand-in.invalid'

let registry: TestRegistry
let certificates: TestCertificates
beforeAll(async () => {
  registry = await startRegistry({ user: ACR_USER, password: REFRESH })
  certificates = makeCertificates([GITHUB_HOST, ENTRA_HOST, PRIVATE_ENTRA_HOST])
})
afterAll(async () => {
  await registry.stop()
})

async function setup() {
  const fake = await startFakeAzure({ refreshToken: REFRESH, tls: certificates })
  const routes = { [`${GITHUB_HOST}:443`]: fake.port, [`${ENTRA_HOST}:443`]: fake.port, [`${PRIVATE_ENTRA_HOST}:443`]: fake.port }
  const proxy = await startConnectProxy({ routes, credentials: ['ci-runner', 'proxy p@ss'] })
  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: `https://${GITHUB_HOST}/github/token?api-version=2.0`,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: GITHUB_REQUEST_TOKEN,
    // Entra at its default public host: no AZURE_AUTHORITY_HOST.
    AZURE_AUTHORITY_HOST: '',
    ACR_PUSH_TOKEN_BASE_URL: fake.base,
    HTTPS_PROXY: proxy.url,
    NO_PROXY: '',
    NODE_EXTRA_CA_CERTS: certificates.caFile,
  }
  return { fake, proxy, env, stop: async () => Promise.all([fake.stop(), proxy.stop()]) }
}

const inputs = (repository: string) => {
  const layout = writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-layout-')), {
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
    layerBytes: 2000,
  })
  const values = { source: layout.dir, destination: `${registry.host}/${repository}`, tags: 'v1', auth: 'oidc', 'client-id': CLIENT, 'tenant-id': TENANT, 'login-server-suffixes': '127.0.0.1' }
  return { layout, values }
}

describe('sign-in behind an HTTPS proxy', () => {
  it('sends the GitHub and Entra requests through the proxy, with its credentials, and pushes', async () => {
    const { fake, proxy, env, stop } = await setup()
    try {
      const { layout, values } = inputs('proxied/vote')
      const run = await runAcrPush(values, env)
      expect(run.errors).toEqual([])
      expect(run.exitCode, run.stdout).toBe(0)
      expect(proxy.connects).toEqual([`${GITHUB_HOST}:443`, `${ENTRA_HOST}:443`])
      expect(proxy.authorizations).toEqual(Array(2).fill(`Basic ${Buffer.from('ci-runner:proxy p@ss').toString('base64')}`))
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /github/token', `POST /${TENANT}/oauth2/v2.0/token`, 'POST /oauth2/exchange', 'POST /oauth2/token'])
      expect(fake.requests.slice(0, 2).map((r) => r.headers.host)).toEqual([GITHUB_HOST, ENTRA_HOST])
      expect(await registryDigest(registry.host, 'proxied/vote', 'v1', [ACR_USER, REFRESH])).toBe(layout.indexDigest)
      expect(run.stdout).not.toContain('proxy p@ss')
    } finally {
      await stop()
    }
  })

  it('goes direct for a host NO_PROXY names (and so cannot reach a name only the proxy knows)', async () => {
    const { fake, proxy, env, stop } = await setup()
    try {
      const { values } = inputs('no-proxy/vote')
      const run = await runAcrPush({ ...values, 'authority-host': `https://${PRIVATE_ENTRA_HOST}` }, { ...env, NO_PROXY: '.invalid' })
      expect(run.exitCode).toBe(1)
      expect(proxy.connects).toEqual([`${GITHUB_HOST}:443`])
      expect(run.errors[0]).toMatch(new RegExp(`Microsoft Entra token request: could not connect \\(https://${PRIVATE_ENTRA_HOST.replaceAll('.', '\\.')}: ENOTFOUND`))
      expect(fake.requests.map((r) => r.path)).toEqual(['/github/token'])
      expect(run.leftInRunnerTemp).toEqual([])
    } finally {
      await stop()
    }
  })

  it('says which proxy refused the tunnel (407), without retrying or printing its credentials', async () => {
    const { proxy, env, stop } = await setup()
    try {
      const { values } = inputs('refused/vote')
      const run = await runAcrPush({ ...values, 'max-attempts': '3' }, { ...env, HTTPS_PROXY: proxy.url.replace('proxy%20p%40ss', 'wrong') })
      expect(run.exitCode).toBe(1)
      expect(run.errors[0]).toMatch(/GitHub OIDC token request: could not connect \(https:\/\/pipelines\.actions\.githubusercontent\.com via proxy http:\/\/127\.0\.0\.1:\d+: .*407/)
      expect(proxy.connects).toHaveLength(1)
      expect(run.stdout).not.toContain('wrong@')
    } finally {
      await stop()
    }
  })
})
