// The one HTTP client for requests the actions make themselves (token endpoints). It is
// @actions/http-client, which @actions/core already uses for its own OIDC request (so it adds
// nothing to a bundle): it honours https_proxy/HTTPS_PROXY, http_proxy/HTTP_PROXY and
// no_proxy/NO_PROXY the way the runner documents for self-hosted runners behind a proxy
// (https://docs.github.com/en/actions/hosting-your-own-runners/managing-self-hosted-runners/using-a-proxy-server-with-self-hosted-runners),
// tunnelling through the proxy with CONNECT, while Node's fetch ignores those variables. Like the
// runner's toolkit and Go's net/http, it never proxies loopback hosts.
import { HttpClient } from '@actions/http-client'
import { getProxyUrl } from '@actions/http-client/lib/proxy'
import { errorMessage } from './errors'
import { isLoopbackHost } from './host-port'

export interface HttpRequest {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  /** application/x-www-form-urlencoded fields. */
  form?: Record<string, string>
}

export interface HttpResponse {
  status: number
  body: string
}

/** A request that got no HTTP answer; `code` is Node's (ECONNREFUSED, ENOTFOUND, EAI_AGAIN, ...) or ETIMEDOUT. */
export class HttpNetworkError extends Error {
  override name = 'HttpNetworkError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/**
 * Why a URL may not carry credentials, or undefined when it may: every request here holds a
 * token or secret, so it must be https, except to loopback (the local stand-ins).
 */
export function insecureUrlReason(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `"${url}" is not an absolute URL`
  }
  if (parsed.protocol === 'https:') return undefined
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.host)) return undefined
  return `"${parsed.origin}" is not https (plain http is accepted for loopback hosts only)`
}

/** The proxy a request to `url` goes through (without credentials), or undefined when it goes direct. */
export function proxyFor(url: string): string | undefined {
  const proxy = getProxyUrl(new URL(url))
  return proxy ? `${proxy.protocol}//${proxy.host}` : undefined
}

/**
 * Sends one request and returns status and body (any status: the caller interprets it). No
 * redirect is followed (a token request answered with a redirect must not resend its secret
 * elsewhere) and nothing is retried here: the caller's retry policy decides.
 */
export async function sendRequest(request: HttpRequest, options: { userAgent: string; timeoutMs: number }): Promise<HttpResponse> {
  const reason = insecureUrlReason(request.url)
  if (reason) throw new Error(`refusing to send credentials to ${reason}`)
  const client = new HttpClient(options.userAgent, [], { allowRedirects: false, allowRetries: false, socketTimeout: options.timeoutMs })
  try {
    const body = request.form ? new URLSearchParams(request.form).toString() : null
    const response = await client.request(request.method, request.url, body, request.headers)
    return { status: response.message.statusCode ?? 0, body: await response.readBody() }
  } catch (error) {
    const message = errorMessage(error)
    // http-client reports its socket timeout as a plain Error("Request timeout: <path>").
    const code = /^Request timeout/.test(message) ? 'ETIMEDOUT' : String((error as { code?: unknown }).code ?? 'ERR_NETWORK')
    throw new HttpNetworkError(code, message)
  } finally {
    client.dispose()
  }
}
