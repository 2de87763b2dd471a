// Issue 11 through the committed bundle: ACR tokens go to ACR login servers only (item 1), a
// sign-in that fails halfway leaves nothing behind even without the post step (item 7), and a 401
// after sign-in names the roles to assign (item 6). Real registries on loopback stand in for ACRs
// (127.0.0.1 is listed in login-server-suffixes); `localhost:<port>` is a registry that is not an ACR.
import { mkdtempSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction } from '@aks-gitops/test-support/action-runner'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { startFakeAzure } from './helpers/fake-azure'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startCountingProxy, startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

const ACR_USER = '00000000-0000-0000-0000-000000000000'
const REFRESH = 'acr-refresh-token-acr-only-7c2e'
const TENANT = '11111111-2222-3333-4444-555555555555'
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'
const OIDC = { auth: 'oidc', 'client-id': CLIENT, 'tenant-id': TENANT, 'login-server-suffixes': '127.0.0.1' }

let acr: TestRegistry
let other: TestRegistry
/** The same htpasswd registry would accept the refresh token: only the suffix rule keeps it from getting one. */
let otherHost = ''
beforeAll(async () => {
  ;[acr, other] = await Promise.all([startRegistry({ user: ACR_USER, password: REFRESH }), startRegistry({ user: ACR_USER, password: REFRESH })])
  otherHost = `localhost:${other.port}`
})
afterAll(async () => {
  await Promise.all([acr.stop(), other.stop()])
})

const layout = () =>
  writeLayout(mkdtempSync(join(tmpdir(), 'acr-push-layout-')), {
    platforms: [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }],
    layerBytes: 3000,
  })

async function publishWithPassword(host: string, repository: string, tag: string) {
  const image = layout()
  const run = await runAcrPush({ source: image.dir, destination: `${host}/${repository}`, tags: tag, auth: 'basic', username: ACR_USER, password: REFRESH })
  expect(run.exitCode, run.stdout).toBe(0)
  return image
}

describe('tokens go to ACR login servers only (item 1)', () => {
  it('reads a source in another registry anonymously, and says it needs credentials', async () => {
    await publishWithPassword(otherHost, 'team/app', '1.0.0')
    const fake = await startFakeAzure({ refreshToken: REFRESH })
    try {
      const run = await runAcrPush({ source: `${otherHost}/team/app:1.0.0`, destination: `${acr.host}/app`, tags: '1.0.0', ...OIDC }, fake.env)
      expect(run.exitCode).toBe(1)
      // Only the destination, an ACR login server, was exchanged at; the other registry saw no token request.
      expect(fake.requests.filter((r) => r.path === '/oauth2/exchange').map((r) => r.form.service)).toEqual([acr.host])
      expect(run.stdout).toContain(`${otherHost} is not an ACR login server: it gets no token and is read anonymously`)
      expect(run.errors.join('\n')).toContain(`${otherHost} was read anonymously`)
      expect(run.errors.join('\n')).toMatch(/needs credentials\. Sign in to it before this step \(e\.g\. docker\/login-action\) and use auth: docker-config/)
    } finally {
      await fake.stop()
    }
  })

  it('refuses a destination that is not an ACR login server before any request', async () => {
    const fake = await startFakeAzure({ refreshToken: REFRESH })
    try {
      const run = await runAcrPush({ source: layout().dir, destination: `${otherHost}/app`, tags: 'v1', ...OIDC }, fake.env)
      expect(run.exitCode).toBe(1)
      expect(run.errors[0]).toMatch(new RegExp(`Input "destination": "${otherHost}" is not an Azure Container Registry login server`))
      expect(fake.requests).toEqual([])
      expect(run.leftInRunnerTemp).toEqual([])
    } finally {
      await fake.stop()
    }
  })

  it('refuses a token endpoint override that is not loopback, before any request', async () => {
    const fake = await startFakeAzure({ refreshToken: REFRESH })
    try {
      const run = await runAcrPush({ source: layout().dir, destination: `${acr.host}/app`, ...OIDC }, { ...fake.env, ACR_PUSH_TOKEN_BASE_URL: 'https://collector.example.com' })
      expect(run.exitCode).toBe(1)
      expect(run.errors[0]).toMatch(/ACR_PUSH_TOKEN_BASE_URL may only name a loopback host/)
      expect(fake.requests).toEqual([])
    } finally {
      await fake.stop()
    }
  })
})

describe('a sign-in that fails halfway (item 7)', () => {
  it('removes the temporary docker config and the refresh token already in it at once, without the post step', async () => {
    const source = await publishWithPassword(acr.host, 'half/app', '1.0.0')
    const second = await startRegistry({ user: ACR_USER, password: REFRESH })
    // The destination's exchange and docker login succeed (a refresh token is written); the source's exchange is refused.
    const fake = await startFakeAzure({ refreshToken: REFRESH, refuseExchange: [acr.host] })
    const runnerTemp = mkdtempSync(join(tmpdir(), 'acr-push-runner-temp-'))
    try {
      const run = await runAction({
        action: 'actions/acr-push',
        inputs: { source: `${acr.host}/half/app:1.0.0`, destination: `${second.host}/app`, tags: '1.0.0', 'require-platforms': '', ...OIDC },
        env: { RUNNER_TEMP: runnerTemp, GITHUB_WORKSPACE: runnerTemp, ...fake.env },
        post: false,
        timeoutMs: 120_000,
      })
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toContain(`Signed in to ${second.host} with an ACR refresh token`)
      expect(run.errors[0]).toMatch(new RegExp(`ACR token exchange at ${acr.host} failed with HTTP 401`))
      expect(readdirSync(runnerTemp)).toEqual([])
      expect(await registryDigest(second.host, 'app', source.indexDigest, [ACR_USER, REFRESH])).toBeUndefined()
    } finally {
      await second.stop()
      await fake.stop()
    }
  })
})

describe('a 401 after a successful sign-in (item 6)', () => {
  it('names AcrPull/AcrPush and the ABAC repository roles', async () => {
    await publishWithPassword(acr.host, 'denied/app', '1.0.0')
    const proxy = await startCountingProxy(acr.port)
    const fake = await startFakeAzure({ refreshToken: REFRESH })
    try {
      // ACR answers a token without pull on the repository with 401 on its manifests.
      proxy.failNext(20, 401, /\/manifests\//)
      const run = await runAcrPush({ source: `${proxy.host}/denied/app:1.0.0`, 'verify-only': 'true', ...OIDC }, fake.env)
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toContain(`Signed in to ${proxy.host} with an ACR refresh token`)
      const message = run.errors.join('\n')
      expect(message).toContain(`The sign-in to ${proxy.host} succeeded, so ACR's 401 means the identity lacks pull (to read) or push (to write) on this repository`)
      expect(message).toMatch(/AcrPull \/ AcrPush[\s\S]*Container Registry Repository Reader \/ Container Registry Repository Writer/)
    } finally {
      await proxy.stop()
      await fake.stop()
    }
  })
})
