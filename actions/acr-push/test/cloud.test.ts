// The pure sign-in rules: which registries may receive an ACR token, cloud defaults, the
// federated-credential hint, and what a 401 or a DNS failure means.
import { RegistryError, RetriesExhaustedError, classifyOutput, isRetryableKind } from '@aks-gitops/toolkit'
import { describe, expect, it } from 'vitest'
import {
  defaultAudience,
  isAcrLoginServer,
  parseAuthorityHost,
  parseLoginServerSuffix,
  parseTokenBaseOverride,
  planTokenSignIn,
} from '../src/auth/cloud'
import { federatedCredentialHint, isFederatedCredentialMismatch, subjectForms } from '../src/auth/subject-hint'
import { unauthorizedHint } from '../src/failures'

describe('ACR login servers (issue 11, item 1)', () => {
  it('are the azurecr suffixes of the three clouds plus the listed extra suffixes', () => {
    for (const registry of ['contoso.azurecr.io', 'Contoso.AzureCR.io', 'contoso.azurecr.cn', 'contoso.azurecr.us']) {
      expect(isAcrLoginServer(registry, [])).toBe(true)
    }
    // A registry that merely answers with ACR's challenge, or borrows the name, is not one.
    for (const registry of ['ghcr.io', 'docker.io', 'azurecr.io.evil.example', 'contosoazurecr.io', 'contoso.azurecr.io.example.com', '127.0.0.1:5000']) {
      expect(isAcrLoginServer(registry, [])).toBe(false)
    }
    expect(isAcrLoginServer('contoso.acr.example.cloud', ['acr.example.cloud'])).toBe(true)
    expect(isAcrLoginServer('127.0.0.1:5000', ['127.0.0.1:5000'])).toBe(true)
    expect(isAcrLoginServer('127.0.0.1:5001', ['127.0.0.1:5000'])).toBe(false)
  })

  it('parses login-server-suffixes entries, refusing schemes, paths and wildcards', () => {
    expect(parseLoginServerSuffix('.ACR.Example.Cloud')).toBe('acr.example.cloud')
    expect(parseLoginServerSuffix('127.0.0.1:5000')).toBe('127.0.0.1:5000')
    for (const bad of ['*', '*.example.com', 'https://acr.example.com', 'acr.example.com/path', 'a b']) {
      expect(() => parseLoginServerSuffix(bad)).toThrow(/is not a host name suffix or host:port/)
    }
  })

  it('splits a promotion: ACR registries get a token, any other is read anonymously', () => {
    const plan = planTokenSignIn([{ registry: 'contosoprod.azurecr.io', pushRepository: 'vote' }, { registry: 'ghcr.io' }], [])
    expect(plan).toEqual({ exchange: [{ registry: 'contosoprod.azurecr.io', pushRepository: 'vote' }], anonymous: ['ghcr.io'] })
    expect(() => planTokenSignIn([{ registry: 'ghcr.io', pushRepository: 'x/y' }], [])).toThrow(/not an ACR login server/)
  })
})

describe('cloud defaults and URLs (items 1 and 5)', () => {
  it('picks the GitHub token audience from the authority host', () => {
    expect(defaultAudience('https://login.microsoftonline.com')).toBe('api://AzureADTokenExchange')
    expect(defaultAudience('https://login.microsoftonline.us')).toBe('api://AzureADTokenExchangeUSGov')
    expect(defaultAudience('https://login.chinacloudapi.cn')).toBe('api://AzureADTokenExchangeChina')
    expect(defaultAudience('http://127.0.0.1:8080')).toBe('api://AzureADTokenExchange')
  })

  it('accepts an https authority host (http only on loopback), as a bare origin', () => {
    expect(parseAuthorityHost('https://login.microsoftonline.us/')).toBe('https://login.microsoftonline.us')
    expect(parseAuthorityHost('http://127.0.0.1:9000')).toBe('http://127.0.0.1:9000')
    expect(() => parseAuthorityHost('http://login.example.com')).toThrow(/"http:\/\/login\.example\.com" is not https/)
    expect(() => parseAuthorityHost('https://login.example.com/tenant')).toThrow(/bare origin/)
    expect(() => parseAuthorityHost('login.example.com')).toThrow(/not an absolute URL/)
  })

  it('lets the token endpoint override name loopback hosts only', () => {
    expect(parseTokenBaseOverride('https://127.0.0.1:8443/')).toBe('https://127.0.0.1:8443')
    expect(parseTokenBaseOverride('http://localhost:8080')).toBe('http://localhost:8080')
    for (const bad of ['https://contoso.azurecr.io', 'http://10.0.0.5:8080', 'https://127.0.0.1.nip.io']) {
      expect(() => parseTokenBaseOverride(bad)).toThrow(/may only name a loopback host/)
    }
  })
})

describe('the federated-credential hint (item 6)', () => {
  const claims = {
    sub: 'repo:octo/shop:environment:production',
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'api://AzureADTokenExchange',
    repository: 'octo/shop',
    repository_owner: 'octo',
    repository_owner_id: '1234',
    repository_id: '5678',
  }

  it('belongs to the "no matching federated identity record" family only', () => {
    for (const code of ['AADSTS70021', 'AADSTS700211', 'AADSTS700212', 'AADSTS700213']) expect(isFederatedCredentialMismatch(`${code}: No matching federated identity record`)).toBe(true)
    for (const code of ['AADSTS7000215', 'AADSTS700016', 'AADSTS90002', 'AADSTS7002130']) expect(isFederatedCredentialMismatch(`${code}: other`)).toBe(false)
  })

  it('builds both subject forms from the token, whichever form it presented', () => {
    const both = { names: 'repo:octo/shop:environment:production', immutable: 'repo:octo@1234/shop@5678:environment:production' }
    expect(subjectForms(claims)).toEqual(both)
    expect(subjectForms({ ...claims, sub: 'repo:octo@1234/shop@5678:environment:production' })).toEqual(both)
    expect(subjectForms({ sub: 'repo:a/b:ref:refs/heads/main' }).immutable).toBe('repo:ORG@<owner-id>/REPO@<repo-id>:ref:refs/heads/main')
    const hint = federatedCredentialHint(claims, 'client-1')
    expect(hint).toContain('GitHub presented the subject "repo:octo/shop:environment:production"')
    expect(hint).toContain('gh api repos/octo/shop/actions/oidc/customization/sub')
  })
})

describe('what a failure means (item 6)', () => {
  const outcome = { acrTokenRegistries: ['contosoprod.azurecr.io'], anonymousRegistries: ['ghcr.io'] }
  const unauthorized = (message: string) => new RegistryError('unauthorized', message)

  it("names the roles when ACR answers 401 after a successful token sign-in", () => {
    const hint = unauthorizedHint(unauthorized('reading contosoprod.azurecr.io/vote:1: 401 unauthorized: authentication required'), outcome)
    expect(hint).toMatch(/lacks pull \(to read\) or push \(to write\)/)
    expect(hint).toMatch(/AcrPull \/ AcrPush[\s\S]*Container Registry Repository Reader \/ Container Registry Repository Writer/)
  })

  it('says a registry read anonymously needs credentials, and how to give them', () => {
    const hint = unauthorizedHint(new RetriesExhaustedError(1, unauthorized('reading ghcr.io/x/y:1: 401 Unauthorized')), outcome)
    expect(hint).toMatch(/^ghcr\.io was read anonymously: .*auth: docker-config/)
  })

  it('adds nothing to other faults or without a sign-in', () => {
    expect(unauthorizedHint(new RegistryError('forbidden', 'reading contosoprod.azurecr.io/vote'), outcome)).toBeUndefined()
    expect(unauthorizedHint(unauthorized('reading contosoprod.azurecr.io/vote'), undefined)).toBeUndefined()
  })

  it('retries a temporary DNS failure (EAI_AGAIN, SERVFAIL) but not an unknown host', () => {
    // What Go's resolvers print (cgo's gai_strerror for EAI_AGAIN; the pure-Go resolver for SERVFAIL).
    const temporary = [
      'dial tcp: lookup contoso.azurecr.io: Temporary failure in name resolution',
      'dial tcp: lookup contoso.azurecr.io on 127.0.0.53:53: server misbehaving',
      'getaddrinfo EAI_AGAIN contoso.azurecr.io',
    ]
    for (const text of temporary) {
      expect(classifyOutput(text)).toBe('dns-temporary')
      expect(isRetryableKind(classifyOutput(text))).toBe(true)
    }
    expect(classifyOutput('dial tcp: lookup contoso.azurecr.io on 127.0.0.53:53: no such host')).toBe('unknown-registry')
    expect(isRetryableKind('unknown-registry')).toBe(false)
  })
})
