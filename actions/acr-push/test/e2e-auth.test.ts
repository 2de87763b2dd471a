// The sign-in modes through the committed bundle: OIDC and service principal against a local
// server in the documented shapes of GitHub, Entra and ACR token endpoints, then a real docker
// login to a real htpasswd registry with the ACR refresh token; admin, and an existing docker config.
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { STATE_DOCKER_CONFIG, createTemporaryConfig } from '../src/auth/docker-config'
import { post } from '../src/main'
import { logWithoutMaskCommands, registryDigest, runAcrPush } from './helpers/action'
import { GITHUB_REQUEST_TOKEN, TOKEN_TENANT, startFakeAzure } from './helpers/fake-azure'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

const ACR_USER = '00000000-0000-0000-0000-000000000000'
const REFRESH = 'acr-refresh-token-e2e-41d7'
const TENANT = '11111111-2222-3333-4444-555555555555'
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const BASIC: [string, string] = [ACR_USER, REFRESH]
/** The local registries stand in for ACRs: listed as login servers (any port on 127.0.0.1; `localhost` is not listed). */
const LOCAL_ACRS = '127.0.0.1'

let registry: TestRegistry
beforeAll(async () => {
  // Stands in for an ACR: it accepts the refresh token as docker login's password, as ACR does.
  registry = await startRegistry({ user: ACR_USER, password: REFRESH })
})
afterAll(async () => {
  await registry.stop()
})

const image = () =>
  writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-layout-')), {
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
    layerBytes: 5000,
  })

describe('auth: oidc', () => {
  it('exchanges the GitHub token for an ACR refresh token and pushes with it, leaving no secret behind', async () => {
    const fake = await startFakeAzure({ refreshToken: REFRESH })
    try {
      const layout = image()
      const run = await runAcrPush(
        // The tenant typed as a domain name: Entra's URL takes it as is, ACR's exchange gets the token's tid.
        { source: layout.dir, destination: `${registry.host}/oidc/vote`, tags: 'sha-1234567', auth: 'oidc', 'client-id': CLIENT, 'tenant-id': 'contoso.onmicrosoft.com', 'login-server-suffixes': LOCAL_ACRS },
        fake.env,
      )
      expect(run.errors).toEqual([])
      expect(run.exitCode).toBe(0)
      expect(await registryDigest(registry.host, 'oidc/vote', 'sha-1234567', BASIC)).toBe(layout.indexDigest)
      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        'GET /github/token',
        'POST /contoso.onmicrosoft.com/oauth2/v2.0/token',
        'POST /oauth2/exchange',
        'POST /oauth2/token',
      ])
      expect(fake.requests[0]?.query.audience).toBe('api://AzureADTokenExchange')
      expect(fake.requests[1]?.form.client_assertion).toBe(fake.githubToken)
      expect(fake.requests[2]?.form).toMatchObject({ grant_type: 'access_token', service: registry.host, tenant: TOKEN_TENANT })
      expect(fake.requests[3]?.form.scope).toBe('repository:oidc/vote:pull,push')
      expect(run.stdout).toMatch(new RegExp(`\\[command\\]docker login ${registry.host} --username ${ACR_USER} --password-stdin`))
      for (const secret of [GITHUB_REQUEST_TOKEN, fake.githubToken, fake.aadToken, REFRESH]) {
        expect(run.stdout).toContain(`::add-mask::${secret}`)
        expect(logWithoutMaskCommands(run)).not.toContain(secret)
      }
      expect(run.leftInRunnerTemp).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  it('signs in to both registries of a promotion, checking push permission on the destination only', async () => {
    const fake = await startFakeAzure({ refreshToken: REFRESH })
    const production = await startRegistry({ user: ACR_USER, password: REFRESH })
    try {
      const layout = image()
      const env = { ...fake.env }
      const stage = await runAcrPush({ source: layout.dir, destination: `${registry.host}/staging/vote`, tags: '2.0.0-rc.1', auth: 'oidc', 'client-id': CLIENT, 'tenant-id': TENANT, 'login-server-suffixes': LOCAL_ACRS }, env)
      expect(stage.exitCode, stage.stdout).toBe(0)
      fake.requests.length = 0
      const run = await runAcrPush(
        { source: `${registry.host}/staging/vote:2.0.0-rc.1`, destination: `${production.host}/vote`, tags: '2.0.0', 'immutable-tags': 'true', auth: 'oidc', 'client-id': CLIENT, 'tenant-id': TENANT, 'login-server-suffixes': LOCAL_ACRS },
        env,
      )
      expect(run.exitCode, run.stdout).toBe(0)
      expect(fake.requests.map((r) => `${r.method} ${r.path} ${r.form.service ?? ''}`.trim())).toEqual([
        'GET /github/token',
        `POST /${TENANT}/oauth2/v2.0/token`,
        `POST /oauth2/exchange ${production.host}`,
        `POST /oauth2/token ${production.host}`,
        `POST /oauth2/exchange ${registry.host}`,
      ])
      expect(await registryDigest(production.host, 'vote', '2.0.0', BASIC)).toBe(layout.indexDigest)
    } finally {
      await production.stop()
      await fake.stop()
    }
  })

  it('fails before pushing when the identity may only pull (missing AcrPush)', async () => {
    const fake = await startFakeAzure({ refreshToken: REFRESH, grantedActions: ['pull'] })
    try {
      const layout = image()
      const run = await runAcrPush(
        { source: layout.dir, destination: `${registry.host}/oidc/readonly`, tags: 'v1', auth: 'oidc', 'client-id': CLIENT, 'tenant-id': TENANT, 'login-server-suffixes': LOCAL_ACRS },
        fake.env,
      )
      expect(run.exitCode).toBe(1)
      expect(run.errors[0]).toMatch(/may not push to .*oidc\/readonly \(granted: pull\)\. Assign it AcrPush/)
      expect(await registryDigest(registry.host, 'oidc/readonly', layout.indexDigest, BASIC)).toBeUndefined()
    } finally {
      await fake.stop()
    }
  })

  it('explains a job without the id-token permission', async () => {
    const run = await runAcrPush(
      { source: image().dir, destination: `${registry.host}/oidc/vote`, auth: 'oidc', 'client-id': CLIENT, 'tenant-id': TENANT, 'login-server-suffixes': LOCAL_ACRS },
      { ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
    )
    expect(run.exitCode).toBe(1)
    expect(run.errors[0]).toMatch(/permissions: id-token: write/)
  })
})

describe('other auth modes', () => {
  it('service-principal: signs in with the client secret through the same exchange', async () => {
    const fake = await startFakeAzure({ refreshToken: REFRESH, clientSecret: 'sp-secret-value-99' })
    try {
      const layout = image()
      const run = await runAcrPush(
        { source: layout.dir, destination: `${registry.host}/sp/vote`, tags: 'v1', auth: 'service-principal', 'client-id': CLIENT, 'tenant-id': TENANT, 'client-secret': 'sp-secret-value-99', 'login-server-suffixes': LOCAL_ACRS },
        { ...fake.env, ACTIONS_ID_TOKEN_REQUEST_URL: '', ACTIONS_ID_TOKEN_REQUEST_TOKEN: '' },
      )
      expect(run.exitCode, run.stdout).toBe(0)
      expect(fake.requests[0]?.form).toMatchObject({ client_secret: 'sp-secret-value-99', grant_type: 'client_credentials' })
      expect(logWithoutMaskCommands(run)).not.toContain('sp-secret-value-99')
    } finally {
      await fake.stop()
    }
  })

  it('admin: works, with a warning that it is discouraged', async () => {
    const layout = image()
    const run = await runAcrPush({ source: layout.dir, destination: `${registry.host}/admin/vote`, tags: 'v1', auth: 'admin', username: ACR_USER, password: REFRESH })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.stdout).toMatch(/::warning::auth "admin" uses the registry's admin account/)
  })

  it('docker-config: reuses the job\'s existing login and leaves it in place', async () => {
    const config = mkdtempSync(join(tmpdir(), 'acr-push-existing-config-'))
    execFileSync('docker', ['login', registry.host, '--username', ACR_USER, '--password-stdin'], { input: REFRESH, env: { ...process.env, DOCKER_CONFIG: config }, stdio: ['pipe', 'ignore', 'ignore'] })
    const layout = image()
    const run = await runAcrPush({ source: layout.dir, destination: `${registry.host}/existing/vote`, tags: 'v1', auth: 'docker-config' }, { DOCKER_CONFIG: config })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(await registryDigest(registry.host, 'existing/vote', 'v1', BASIC)).toBe(layout.indexDigest)
    expect(readFileSync(join(config, 'config.json'), 'utf8')).toContain(registry.host)
  })
})

describe('the temporary docker config', () => {
  it('is a private directory with a 0600 config.json in RUNNER_TEMP', () => {
    const runnerTemp = mkdtempSync(join(tmpdir(), 'acr-push-rt-'))
    const auth = createTemporaryConfig(runnerTemp)
    expect(auth.dockerConfigDir.startsWith(runnerTemp)).toBe(true)
    expect(statSync(auth.dockerConfigDir).mode & 0o777).toBe(0o700)
    expect(statSync(auth.authFile ?? '').mode & 0o777).toBe(0o600)
  })

  it('is removed by the post step when main could not remove it', async () => {
    const auth = createTemporaryConfig(mkdtempSync(join(tmpdir(), 'acr-push-rt-')))
    process.env[`STATE_${STATE_DOCKER_CONFIG}`] = auth.dockerConfigDir
    try {
      await post()
    } finally {
      delete process.env[`STATE_${STATE_DOCKER_CONFIG}`]
    }
    expect(existsSync(auth.dockerConfigDir)).toBe(false)
  })
})
