// What the registry tools see and print (run-tool.ts): no step input or OIDC request token in
// their environment, and no signature of a signed storage URL in their output.
import { describe, expect, it } from 'vitest'
import { redactSignatures, scrubbedEnv } from '../src'

describe('what the tools see and print', () => {
  it('runs tools without the step inputs or the OIDC request token', () => {
    const env = { PATH: '/usr/bin', INPUT_PASSWORD: 'p', 'INPUT_CLIENT-SECRET': 's', ACTIONS_ID_TOKEN_REQUEST_TOKEN: 't', ACTIONS_ID_TOKEN_REQUEST_URL: 'u', HTTPS_PROXY: 'http://proxy:3128' }
    expect(scrubbedEnv(env, { DOCKER_CONFIG: '/tmp/c' })).toEqual({
      INPUT_PASSWORD: undefined,
      'INPUT_CLIENT-SECRET': undefined,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined,
      ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
      DOCKER_CONFIG: '/tmp/c',
    })
  })

  it('redacts the signature of signed storage URLs and keeps the rest of the message', () => {
    // The shape of the blob redirect ACR answers with (a service SAS: sv, se, sr, sp, sig).
    const line =
      'failed to copy: httpReadSeeker: failed open: unexpected status code https://contoso.blob.core.windows.net/abc/blobs/sha256:12?sv=2020-04-08&se=2026-11-30T05%3A00%3A00Z&sr=b&sp=r&sig=Zm9vYmFy%2Fabc%3D: 403 Forbidden'
    const out = redactSignatures(line)
    expect(out).not.toContain('Zm9vYmFy')
    expect(out).toContain('&sp=r&sig=***: 403 Forbidden')
    expect(redactSignatures('"https://h/x?sig=abc&se=1" and https://h/y?SIG=def')).toBe('"https://h/x?sig=***&se=1" and https://h/y?SIG=***')
    expect(redactSignatures('signature=ok, design=fine')).toBe('signature=ok, design=fine')
  })
})
