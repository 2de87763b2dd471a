// The one rule for which failed request is worth another try: the network-code table and the HTTP
// status rule give each code and status one kind, and the predicates agree with the kinds.
import { describe, expect, it } from 'vitest'
import {
  HTTP_STATUS_KINDS,
  NETWORK_ERROR_KINDS,
  TRANSIENT_HTTP_STATUS_PATTERN,
  classifyOutput,
  classifyPushFailure,
  httpStatusKind,
  httpStatuses,
  isRetryableKind,
  isTransientHttpStatus,
  isTransientNetworkError,
  networkErrorCodes,
  networkErrorKind,
  thrownNetworkErrorKind,
  toRegistryError,
  type FaultKind,
} from '../src'

const KINDS: FaultKind[] = ['unauthorized', 'forbidden', 'not-found', 'unknown-registry', 'dns-temporary', 'unreachable', 'timeout', 'throttled', 'server-error', 'other']
const withCode = (code: string) => Object.assign(new Error(`connect ${code} 10.0.0.1:443`), { code })
// Codes Node uses that are not worth another try, or no network error at all.
const UNLISTED = ['CERT_HAS_EXPIRED', 'ERR_TLS_CERT_ALTNAME_INVALID', 'EPROTO', 'ENOENT', 'ERR_NETWORK']

describe('the network error code table', () => {
  it('gives every code exactly one kind, and lists each code under that kind alone', () => {
    for (const [code, kind] of NETWORK_ERROR_KINDS) {
      expect(KINDS).toContain(kind)
      expect(networkErrorKind(code)).toBe(kind)
      expect(KINDS.filter((k) => networkErrorCodes(k).includes(code))).toEqual([kind])
    }
  })

  it('holds what the retry policies relied on', () => {
    expect(Object.fromEntries(NETWORK_ERROR_KINDS)).toMatchObject({
      ECONNRESET: 'unreachable',
      ECONNREFUSED: 'unreachable',
      EPIPE: 'unreachable',
      UND_ERR_SOCKET: 'unreachable',
      ETIMEDOUT: 'timeout',
      ESOCKETTIMEDOUT: 'timeout',
      UND_ERR_CONNECT_TIMEOUT: 'timeout',
      EAI_AGAIN: 'dns-temporary',
      ENOTFOUND: 'unknown-registry',
    })
  })

  it('calls a code it does not list other, never retried', () => {
    for (const code of UNLISTED) {
      expect(networkErrorKind(code)).toBe('other')
      expect(isTransientNetworkError(withCode(code))).toBe(false)
    }
  })

  it('makes the predicate and the kinds agree for every code', () => {
    for (const code of [...NETWORK_ERROR_KINDS.keys(), ...UNLISTED]) {
      expect(isTransientNetworkError(withCode(code))).toBe(isRetryableKind(networkErrorKind(code)))
    }
    expect(isTransientNetworkError(withCode('ENOTFOUND'))).toBe(false)
    expect(isTransientNetworkError(withCode('EAI_AGAIN'))).toBe(true)
  })

  it('reads the code of anything thrown, and nothing from what has none', () => {
    expect(thrownNetworkErrorKind(withCode('ETIMEDOUT'))).toBe('timeout')
    for (const thrown of [new Error('ECONNRESET'), null, undefined, 'ECONNRESET', { code: 104 }]) {
      expect(thrownNetworkErrorKind(thrown)).toBeUndefined()
      expect(isTransientNetworkError(thrown)).toBe(false)
    }
  })

  it('gives a registry error the kind of its code, and the tools\' text the same kind when it quotes the code', () => {
    for (const [code, kind] of NETWORK_ERROR_KINDS) {
      const error = toRegistryError('reading r', withCode(code))
      expect(error.kind).toBe(kind)
      expect(error.retryable).toBe(isRetryableKind(kind))
      expect(classifyOutput(`request to https://myacr.azurecr.io/oauth2/token failed, reason: ${code}`)).toBe(kind)
    }
  })
})

describe('the HTTP status rule', () => {
  const statuses = Array.from({ length: 500 }, (_, i) => 100 + i)

  it('gives every status from 100 to 599 exactly one kind, and these their own', () => {
    for (const status of statuses) expect(KINDS).toContain(httpStatusKind(status))
    expect([401, 403, 404, 408, 429].map(httpStatusKind)).toEqual(['unauthorized', 'forbidden', 'not-found', 'timeout', 'throttled'])
    expect([500, 502, 503, 504, 599].map(httpStatusKind)).toEqual(Array(5).fill('server-error'))
    expect([0, 200, 301, 400, 409, 422, 600].map(httpStatusKind)).toEqual(Array(7).fill('other'))
  })

  it('calls exactly 408, 429 and 5xx transient, as the kinds say', () => {
    for (const status of [0, ...statuses, 600]) expect(isTransientHttpStatus(status)).toBe(isRetryableKind(httpStatusKind(status)))
    expect(statuses.filter(isTransientHttpStatus)).toEqual([408, 429, ...statuses.filter((s) => s >= 500)])
  })

  it('lists each status of the table under its kind alone', () => {
    for (const [status, kind] of HTTP_STATUS_KINDS) expect(KINDS.filter((k) => httpStatuses(k).includes(status))).toEqual([kind])
  })

  it('writes the transient statuses as a pattern that matches exactly them, and git\'s words for them are transient pushes', () => {
    const whole = new RegExp(`^(?:${TRANSIENT_HTTP_STATUS_PATTERN})$`)
    for (const status of statuses) expect(whole.test(String(status))).toBe(isTransientHttpStatus(status))
    for (const status of [400, 408, 429, 500, 503, 599]) {
      const output = `error: RPC failed; HTTP ${status} curl 22 The requested URL returned error: ${status}`
      expect(classifyPushFailure(output) === 'transient').toBe(isTransientHttpStatus(status))
    }
  })

  it('gives a status the tools print the kind the table gives it', () => {
    for (const [status, kind] of HTTP_STATUS_KINDS) expect(classifyOutput(`reading manifest v1 in 127.0.0.1:5099/team/vote: received unexpected HTTP status: ${status}`)).toBe(kind)
  })
})
