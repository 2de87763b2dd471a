// Which registry faults are worth another attempt, on the texts buildx and skopeo really print.
// Each text was printed by the tool on this machine (buildx 0.13 / skopeo 1.9 against a local
// stand-in answering the status in question) and comes from the source named beside it.
import { describe, expect, it } from 'vitest'
import { CommandError, RegistryError, classifyOutput, httpStatusKind, isRetryable, isRetryableKind, networkErrorKind, toRegistryError, type FaultKind } from '../src'

// What a failed tool run looks like to the registry module: the command line and its stderr.
const failed = (command: string, stderr: string) => toRegistryError('reading 127.0.0.1:5099/team/vote:v1', new CommandError(command, ['x'], { exitCode: 1, stdout: '', stderr }))

describe('classifies what the tools print', () => {
  it.each<[string, string, FaultKind, boolean]>([
    // buildx resolves through containerd's remotes: ErrUnexpectedStatus, "unexpected status from %s request to %s: %s"
    // (containerd/containerd core/remotes/errors/errors.go).
    ['buildx 429', 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/team/vote/manifests/v1: 429 Too Many Requests', 'throttled', true],
    ['buildx 503', 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/team/vote/manifests/v1: 503 Service Unavailable', 'server-error', true],
    ['buildx 500', 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/team/vote/manifests/v1: 500 Internal Server Error', 'server-error', true],
    ['buildx 403', 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/team/vote/manifests/v1: 403 Forbidden', 'forbidden', false],
    ['buildx 401', 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/team/vote/manifests/v1: 401 Unauthorized', 'unauthorized', false],
    // containers/image docker/distribution_error.go: unexpectedHTTPStatusError, "received unexpected HTTP status: %s".
    ['skopeo 503', 'level=fatal msg="Error parsing image name \\"docker://127.0.0.1:5099/team/vote:v1\\": reading manifest v1 in 127.0.0.1:5099/team/vote: received unexpected HTTP status: 503 Service Unavailable"', 'server-error', true],
    // containers/image docker/errors.go httpResponseToError: "%sinvalid status code from registry %d (%s)", and ErrTooManyRequests.
    ['skopeo list-tags 503', 'level=fatal msg="Error listing repository tags: fetching tags list: invalid status code from registry 503 (Service Unavailable)"', 'server-error', true],
    ['skopeo list-tags 403', 'level=fatal msg="Error listing repository tags: fetching tags list: invalid status code from registry 403 (Forbidden)"', 'forbidden', false],
    ['containers/image ErrTooManyRequests', 'level=fatal msg="copying image: too many requests to registry"', 'throttled', true],
    // The distribution spec's error codes (opencontainers/distribution-spec spec.md, "Error Codes"):
    // MANIFEST_UNKNOWN "manifest unknown", which skopeo prints as the registry's message.
    ['skopeo manifest unknown', 'level=fatal msg="Error parsing image name \\"docker://127.0.0.1:5099/team/vote:v1\\": reading manifest v1 in 127.0.0.1:5099/team/vote: manifest unknown"', 'not-found', false],
    ['buildx not found', 'ERROR: 127.0.0.1:5099/team/vote:v1: not found', 'not-found', false],
    // Go's resolver (net/dnsclient_unix.go): errNoSuchHost "no such host" is NXDOMAIN, an answer that
    // will not change; errServerMisbehaving "server misbehaving" is a SERVFAIL, which may.
    ['buildx NXDOMAIN', 'ERROR: failed to do request: Head "https://nonexistent.invalid/v2/x/manifests/y": dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host', 'unknown-registry', false],
    ['skopeo SERVFAIL', 'level=fatal msg="pinging container registry myacr.azurecr.io: Get \\"https://myacr.azurecr.io/v2/\\": dial tcp: lookup myacr.azurecr.io on 127.0.0.53:53: server misbehaving"', 'dns-temporary', true],
    // glibc's gai_strerror(EAI_AGAIN), which Go's cgo resolver passes on.
    ['cgo EAI_AGAIN', 'dial tcp: lookup myacr.azurecr.io: Temporary failure in name resolution', 'dns-temporary', true],
  ])('%s', (_, stderr, kind, retryable) => {
    expect(classifyOutput(stderr)).toBe(kind)
    const error = failed(stderr.startsWith('ERROR') ? 'docker' : 'skopeo', stderr)
    expect(error.kind).toBe(kind)
    expect(isRetryable(error)).toBe(retryable)
  })
})

describe('a repository named after a fault', () => {
  // The tools quote the reference they were given, and its repository inside request URLs: the
  // name must not decide the kind (acr-push's read of denied/app:1.0.0 before its first push).
  const run = (args: string[], stderr: string) => toRegistryError('reading', new CommandError('docker', args, { exitCode: 1, stdout: '', stderr }))
  it.each<[string, string[], string, FaultKind]>([
    ['buildx, not found', ['buildx', 'imagetools', 'inspect', '--raw', '127.0.0.1:5099/denied/app:1.0.0'], 'ERROR: 127.0.0.1:5099/denied/app:1.0.0: not found', 'not-found'],
    [
      'buildx, a 404 URL',
      ['buildx', 'imagetools', 'inspect', 'localhost:5099/team/unauthorized@sha256:' + 'a'.repeat(64)],
      'ERROR: unexpected status from HEAD request to http://localhost:5099/v2/team/unauthorized/manifests/sha256:' + 'a'.repeat(64) + ': 404 Not Found',
      'not-found',
    ],
    ['skopeo, a transport prefix', ['inspect', 'docker://127.0.0.1:5099/forbidden/app:v1'], 'level=fatal msg="Error parsing image name "docker://127.0.0.1:5099/forbidden/app:v1": reading manifest v1 in 127.0.0.1:5099/forbidden/app: manifest unknown"', 'not-found'],
    ['a real 403 still reads as one', ['buildx', 'imagetools', 'inspect', '127.0.0.1:5099/denied/app:1.0.0'], 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/denied/app/manifests/1.0.0: 403 Forbidden', 'forbidden'],
  ])('%s', (_, args, stderr, kind) => {
    expect(run(args, stderr).kind).toBe(kind)
  })
})

describe('manifest unknown right after a push', () => {
  const unknown = failed('skopeo', 'level=fatal msg="reading manifest v1 in 127.0.0.1:5099/team/vote: manifest unknown"')

  it('is retried only when the caller has just pushed the reference', () => {
    expect(isRetryable(unknown)).toBe(false)
    expect(isRetryable(unknown, { afterPush: true })).toBe(true)
  })

  it('does not make a refusal retryable', () => {
    const denied = failed('docker', 'ERROR: unexpected status from HEAD request to http://127.0.0.1:5099/v2/team/vote/manifests/v1: 403 Forbidden')
    expect(isRetryable(denied, { afterPush: true })).toBe(false)
    expect(isRetryable(new Error('manifest unknown'), { afterPush: true })).toBe(false)
  })
})

describe('network errors without a tool', () => {
  it('treats Node connection errors as unreachable and retryable', () => {
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })
    const error = toRegistryError('ACR token exchange at r.azurecr.io', reset)
    expect(error).toBeInstanceOf(RegistryError)
    expect(error.kind).toBe('unreachable')
    expect(error.message).toMatch(/^ACR token exchange at r\.azurecr\.io: the registry is unreachable[\s\S]*read ECONNRESET/)
    expect(isRetryable(error)).toBe(true)
  })

  it('treats a resolver that did not answer (EAI_AGAIN) as transient and an unknown name (ENOTFOUND) as final', () => {
    expect(networkErrorKind('EAI_AGAIN')).toBe('dns-temporary')
    expect(isRetryableKind(networkErrorKind('EAI_AGAIN'))).toBe(true)
    expect(networkErrorKind('ENOTFOUND')).toBe('unknown-registry')
    expect(isRetryableKind(networkErrorKind('ENOTFOUND'))).toBe(false)
    expect(isRetryableKind(networkErrorKind('ECONNRESET'))).toBe(true)
  })
})

describe('HTTP statuses of a token endpoint', () => {
  it.each([
    [401, 'unauthorized', false],
    [403, 'forbidden', false],
    [404, 'not-found', false],
    [400, 'other', false],
    [408, 'timeout', true],
    [429, 'throttled', true],
    [503, 'server-error', true],
  ] as const)('%i is %s (retryable: %s)', (status, kind, retryable) => {
    expect(httpStatusKind(status)).toBe(kind)
    expect(isRetryableKind(httpStatusKind(status))).toBe(retryable)
  })
})

describe('classifyOutput on the messages acr-push met', () => {
  it.each([
    ['Error response from daemon: login attempt to http://127.0.0.1:5077/v2/ failed with status: 401 Unauthorized', 'unauthorized'],
    ['ERROR: pull access denied, repository does not exist or may require authorization: authorization failed: no basic auth credentials', 'unauthorized'],
    ['level=fatal msg="... exists in 127.0.0.1:5077/a/b: unauthorized: authentication required"', 'unauthorized'],
    ['denied: requested access to the resource is denied', 'forbidden'],
    ['writing manifest: uploading manifest sha256:8b to 127.0.0.1:35565/acl/vote: denied', 'forbidden'],
    ['ERROR: failed to do request: Head "http://127.0.0.1:5078/v2/a/b/blobs/sha256:79": dial tcp 127.0.0.1:5078: connect: connection refused', 'unreachable'],
    ['dial tcp: lookup nonexistent.invalid on 10.255.255.53:53: no such host', 'unknown-registry'],
    ['ERROR: 127.0.0.1:5001/acrtest/y1:nope: not found', 'not-found'],
    ['reading manifest v1 in x: manifest unknown: manifest unknown', 'not-found'],
    ['received unexpected HTTP status: 429 Too Many Requests', 'throttled'],
    ['toomanyrequests: too many requests', 'throttled'],
    ['received unexpected HTTP status: 503 Service Unavailable', 'server-error'],
    ['net/http: TLS handshake timeout', 'timeout'],
    ['dial tcp 10.0.0.1:443: i/o timeout', 'timeout'],
    ['something else entirely', 'other'],
    ['unexpected end of JSON reading sha256:ab404cd', 'other'],
  ])('%s -> %s', (text, kind) => {
    expect(classifyOutput(text)).toBe(kind)
  })

  it('retries only transient faults', () => {
    const fault = (stderr: string) => toRegistryError('op', new CommandError('docker', ['x'], { exitCode: 1, stdout: '', stderr }))
    expect(isRetryable(fault('connect: connection refused'))).toBe(true)
    expect(isRetryable(fault('429 Too Many Requests'))).toBe(true)
    expect(isRetryable(fault('502 Bad Gateway'))).toBe(true)
    expect(isRetryable(fault('401 Unauthorized'))).toBe(false)
    expect(isRetryable(fault('denied: requested access to the resource is denied'))).toBe(false)
    expect(isRetryable(fault('manifest unknown'))).toBe(false)
  })

  it('ignores skopeo debug lines when classifying and reports the fatal one', () => {
    const stderr = 'time="x" level=debug msg="PUT http://h/v2/r/blobs/uploads/4290-429-x"\ntime="x" level=fatal msg="pinging: connect: connection refused"'
    const error = toRegistryError('copying to h/r', new CommandError('skopeo', ['copy'], { exitCode: 1, stdout: '', stderr }))
    expect(error.kind).toBe('unreachable')
    expect(error.message).toMatch(/^copying to h\/r: the registry is unreachable[\s\S]*level=fatal/)
    expect(error.message).not.toMatch(/level=debug/)
  })
})
