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
    expect(settings.auth).toEqual({ mode: 'oidc', clientId: CLIENT, tenantId: TENANT })
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

  it.each([
    [{ source: 'image' }, /Input "destination": is required/],
    [{ source: 'image', destination: 'contoso.azurecr.io/vote:1' }, /Input "destination": .*repository only/],
    [{ source: 'image', destination: 'r.io/v', tags: 'ok,-bad' }, /Input "tags": "-bad" is not a valid tag/],
    [{ source: 'image', destination: 'r.io/v', auth: 'kerberos' }, /Input "auth": "kerberos" is not one of oidc, service-principal, admin, basic, none, docker-config/],
    [{ source: 'image', destination: 'r.io/v' }, /Input "client-id": is required when auth is "oidc"/],
    [{ source: 'image', destination: 'r.io/v', 'client-id': 'app', 'tenant-id': TENANT }, /Input "client-id": "app" is not a GUID/],
    [{ source: 'image', destination: 'r.io/v', auth: 'service-principal', 'client-id': CLIENT, 'tenant-id': TENANT }, /Input "client-secret": is required/],
    [{ source: 'image', destination: 'r.io/v', auth: 'basic', username: 'u' }, /Input "password": is required when auth is "basic"/],
    [{ source: 'image', destination: 'r.io/v', auth: 'none', 'require-platforms': 'linux/sparc' }, /Input "require-platforms": .*unknown architecture "sparc"/],
    [{ source: 'image', verify: '', 'verify-only': 'true', auth: 'none' }, /Input "source": verify-only reads an image from a registry/],
    [{ source: 'image', destination: 'r.io/v', auth: 'none', 'max-attempts': '0' }, /Input "max-attempts": 0 is out of range/],
  ])('rejects %j', (inputs, message) => {
    withInputs(inputs as Record<string, string>)
    expect(() => readSettings(workspace)).toThrow(message)
  })
})
