import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { describeSettings, parseSource, readSettings } from '../src/inputs'

const workspace = mkdtempSync(join(tmpdir(), 'acr-push-inputs-'))
mkdirSync(join(workspace, 'image'))
writeFileSync(join(workspace, 'image', 'index.json'), '{}')

function withInputs(inputs: Record<string, string>) {
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}
afterEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  delete process.env.AZURE_AUTHORITY_HOST
  delete process.env.ACR_PUSH_TOKEN_BASE_URL
})

const TENANT = '11111111-2222-3333-4444-555555555555'
const CLIENT = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee'

describe('source', () => {
  it('is a layout when it is a directory with index.json, a path, or says oci:', () => {
    expect(parseSource('image', workspace)).toEqual({ kind: 'layout', dir: join(workspace, 'image') })
    expect(parseSource(`oci:${join(workspace, 'image')}`, '/')).toEqual({ kind: 'layout', dir: join(workspace, 'image') })
    expect(() => parseSource('./missing', workspace)).toThrow(/Input "source": no OCI image layout at ".*missing"/)
  })
  it('is otherwise an image reference with a tag or digest', () => {
    expect(parseSource('contoso.azurecr.io/vote:1.0.0-rc.2', workspace)).toMatchObject({ kind: 'image', ref: { registry: 'contoso.azurecr.io', repository: 'vote', tag: '1.0.0-rc.2' } })
    expect(() => parseSource('contoso.azurecr.io/vote', workspace)).toThrow(/without a tag or digest/)
    expect(() => parseSource('contoso.azurecr.io/Vote:1', workspace)).toThrow(/Input "source": invalid image reference.*lowercase/)
  })
})

describe('readSettings', () => {
  it('reads an OIDC promotion with defaults', () => {
    withInputs({ source: 'contoso.azurecr.io/staging/vote:1.2.3-rc.4', destination: 'contoso.azurecr.io/vote', tags: '1.2.3\n1.2', 'client-id': CLIENT, 'tenant-id': TENANT })
    const settings = readSettings(workspace)
    expect(settings.auth).toEqual({
      mode: 'oidc',
      clientId: CLIENT,
      tenantId: TENANT,
      entra: { authorityHost: 'https://login.microsoftonline.com', audience: 'api://AzureADTokenExchange', loginServerSuffixes: [] },
    })
    expect(settings.tags).toEqual(['1.2.3', '1.2'])
    expect(settings.requirePlatforms).toEqual([])
    expect(settings.maxAttempts).toBe(4)
  })

  it('parses require-platforms and never prints a secret in the debug line', () => {
    withInputs({ source: 'image', destination: '127.0.0.1:5000/vote', auth: 'basic', username: 'ci', password: 'hunter2', 'require-platforms': 'linux/amd64, linux/aarch64' })
    const settings = readSettings(workspace)
    expect(settings.requirePlatforms).toEqual([{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }])
    expect(describeSettings(settings)).not.toContain('hunter2')
  })

  it('takes the authority host from AZURE_AUTHORITY_HOST when the input is empty, and the audience follows it', () => {
    process.env.AZURE_AUTHORITY_HOST = 'https://login.microsoftonline.us/'
    withInputs({ source: 'contoso.azurecr.us/vote:1', destination: 'contoso.azurecr.us/vote', 'client-id': CLIENT, 'tenant-id': TENANT })
    expect(readSettings(workspace).auth.entra).toMatchObject({ authorityHost: 'https://login.microsoftonline.us', audience: 'api://AzureADTokenExchangeUSGov' })
    withInputs({ 'authority-host': 'https://login.chinacloudapi.cn', destination: 'contoso.azurecr.cn/vote' })
    expect(readSettings(workspace).auth.entra).toMatchObject({ authorityHost: 'https://login.chinacloudapi.cn', audience: 'api://AzureADTokenExchangeChina' })
    withInputs({ audience: 'api://custom' })
    expect(readSettings(workspace).auth.entra?.audience).toBe('api://custom')
  })

  it('accepts a destination under login-server-suffixes, and the loopback token override', () => {
    process.env.ACR_PUSH_TOKEN_BASE_URL = 'http://127.0.0.1:8080'
    withInputs({ source: 'image', destination: '127.0.0.1:5000/vote', 'login-server-suffixes': '127.0.0.1:5000\nacr.example.cloud', 'client-id': CLIENT, 'tenant-id': TENANT })
    expect(readSettings(workspace).auth.entra).toMatchObject({ loginServerSuffixes: ['127.0.0.1:5000', 'acr.example.cloud'], tokenBaseOverride: 'http://127.0.0.1:8080' })
  })

  it('refuses a token override that is not loopback', () => {
    process.env.ACR_PUSH_TOKEN_BASE_URL = 'https://attacker.example.com'
    withInputs({ source: 'image', destination: 'contoso.azurecr.io/vote', 'client-id': CLIENT, 'tenant-id': TENANT })
    expect(() => readSettings(workspace)).toThrow(/ACR_PUSH_TOKEN_BASE_URL may only name a loopback host/)
  })

  it('refuses a plain-http AZURE_AUTHORITY_HOST, saying where the value came from', () => {
    process.env.AZURE_AUTHORITY_HOST = 'http://login.example.com'
    withInputs({ source: 'image', destination: 'contoso.azurecr.io/vote', 'client-id': CLIENT, 'tenant-id': TENANT })
    expect(() => readSettings(workspace)).toThrow(/Input "authority-host": "http:\/\/login\.example\.com" is not https.*taken from AZURE_AUTHORITY_HOST/)
  })

  const OIDC = { source: 'image', 'client-id': CLIENT, 'tenant-id': TENANT }
  it.each([
    [{ ...OIDC, destination: 'ghcr.io/octo/vote' }, /Input "destination": "ghcr\.io" is not an Azure Container Registry login server/],
    [{ ...OIDC, destination: 'contoso.azurecr.io.evil.example/vote' }, /Input "destination": "contoso\.azurecr\.io\.evil\.example" is not an Azure Container Registry/],
    [{ ...OIDC, destination: 'r.azurecr.io/v', 'authority-host': 'http://login.example.com' }, /Input "authority-host": "http:\/\/login\.example\.com" is not https/],
    [{ ...OIDC, destination: 'r.azurecr.io/v', 'login-server-suffixes': '*.example.com' }, /Input "login-server-suffixes": "\*\.example\.com" is not a host name suffix/],
  ])('refuses, before anything is sent, %j', (inputs, message) => {
    withInputs(inputs)
    expect(() => readSettings(workspace)).toThrow(message)
  })

  it.each([
    [{ source: 'image' }, /Input "destination": is required/],
    [{ source: 'image', destination: 'contoso.azurecr.io/vote:1' }, /Input "destination": .*repository only/],
    [{ source: 'image', destination: 'r.io/v', tags: 'ok,-bad' }, /Input "tags": "-bad" is not a valid tag/],
    [{ source: 'image', destination: 'r.io/v', auth: 'kerberos' }, /Input "auth": "kerberos" is not one of oidc, service-principal, admin, basic, none, docker-config/],
    [{ source: 'image', destination: 'r.azurecr.io/v' }, /Input "client-id": is required when auth is "oidc"/],
    [{ source: 'image', destination: 'r.azurecr.io/v', 'client-id': 'app', 'tenant-id': TENANT }, /Input "client-id": "app" is not a GUID/],
    [{ source: 'image', destination: 'r.azurecr.io/v', auth: 'service-principal', 'client-id': CLIENT, 'tenant-id': TENANT }, /Input "client-secret": is required/],
    [{ source: 'image', destination: 'r.io/v', auth: 'basic', username: 'u' }, /Input "password": is required when auth is "basic"/],
    [{ source: 'image', destination: 'r.io/v', auth: 'none', 'require-platforms': 'linux/sparc' }, /Input "require-platforms": .*unknown architecture "sparc"/],
    [{ source: 'image', verify: '', 'verify-only': 'true', auth: 'none' }, /Input "source": verify-only reads an image from a registry/],
    [{ source: 'image', destination: 'r.io/v', auth: 'none', 'max-attempts': '0' }, /Input "max-attempts": 0 is out of range/],
  ])('rejects %j', (inputs, message) => {
    withInputs(inputs as Record<string, string>)
    expect(() => readSettings(workspace)).toThrow(message)
  })
})
