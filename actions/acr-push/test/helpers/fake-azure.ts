// One local HTTP server that answers as GitHub's OIDC token endpoint, Microsoft Entra's v2.0 token
// endpoint and ACR's /oauth2/exchange and /oauth2/token do (their documented request and response
// shapes), and records every request so tests can assert exactly what was sent. Plain http on
// loopback, or https with a given certificate (for the proxy test, where it stands behind host names).
import { createServer, type IncomingMessage, type RequestListener } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { listenOnLoopback } from '@aks-gitops/test-support/registry'

export interface RecordedRequest {
  method: string
  path: string
  query: Record<string, string>
  headers: IncomingMessage['headers']
  form: Record<string, string>
}

export interface FakeAzureOptions {
  /** The `sub` claim of the GitHub token. */
  subject?: string
  /** Subjects Entra has a federated credential for; others get AADSTS700213. */
  acceptedSubjects?: string[]
  clientSecret?: string
  refreshToken?: string
  /** Actions the ACR access token grants on the requested repository. */
  grantedActions?: string[]
  /** Statuses to answer, in order, before serving a path normally (e.g. {'/oauth2/exchange': [429]}). */
  failures?: Record<string, number[]>
  /** Registries (the exchange's `service`) whose /oauth2/exchange answers 401, as for an identity without access. */
  refuseExchange?: string[]
  /** Audiences Entra's federated credential accepts (default: the public cloud's). */
  acceptedAudiences?: string[]
  /** Serve https with this key and certificate instead of http. */
  tls?: { key: string; cert: string }
}

/** The tenant (`tid`) of the Entra access tokens this server issues. */
export const TOKEN_TENANT = '7f3e2a10-5c4b-4d3e-9a8b-0c1d2e3f4a5b'
/** The repository claims of the GitHub tokens it issues (the immutable subject form is built from them). */
export const REPOSITORY_CLAIMS = { repository: 'octo/shop', repository_owner: 'octo', repository_owner_id: '1234', repository_id: '5678' }

export const GITHUB_REQUEST_TOKEN = 'gh-request-token-8f3a'

export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`
}

export async function startFakeAzure(options: FakeAzureOptions = {}) {
  const requests: RecordedRequest[] = []
  const subject = options.subject ?? 'repo:octo/shop:environment:production'
  // GitHub puts the requested audience into the token's aud claim.
  const githubTokenFor = (aud: string) => fakeJwt({ iss: 'https://token.actions.githubusercontent.com', aud, sub: subject, ...REPOSITORY_CLAIMS })
  const githubToken = githubTokenFor('api://AzureADTokenExchange')
  const aadToken = fakeJwt({ aud: 'https://containerregistry.azure.net', tid: TOKEN_TENANT })
  const refreshToken = options.refreshToken ?? 'acr-refresh-token-5b9c'
  const failures = Object.fromEntries(Object.entries(options.failures ?? {}).map(([k, v]) => [k, [...v]]))

  const handler: RequestListener = (req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://fake')
      const form = Object.fromEntries(new URLSearchParams(body))
      requests.push({ method: req.method ?? '', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, form })
      const send = (status: number, payload: object) => {
        res.writeHead(status, { 'Content-Type': 'application/json' })
        res.end(JSON.stringify(payload))
      }
      const injected = failures[url.pathname]?.shift()
      if (injected) return send(injected, { errors: [{ code: 'TOOMANYREQUESTS', message: `injected ${injected}` }] })

      if (req.method === 'GET' && url.pathname === '/github/token') {
        if (req.headers.authorization !== `Bearer ${GITHUB_REQUEST_TOKEN}`) return send(401, { message: 'Bad credentials' })
        return send(200, { count: 1, value: githubTokenFor(url.searchParams.get('audience') ?? '') })
      }
      const entra = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname)
      if (req.method === 'POST' && entra) {
        if (form.client_assertion) {
          const claims = JSON.parse(Buffer.from(form.client_assertion.split('.')[1] ?? '', 'base64url').toString()) as { sub: string; aud: string }
          const sub = claims.sub
          if (!(options.acceptedAudiences ?? ['api://AzureADTokenExchange']).includes(claims.aud)) {
            return send(400, {
              error: 'invalid_client',
              error_description: `AADSTS700212: No matching federated identity record found for presented assertion audience '${claims.aud}'.\r\nTrace ID: 2`,
              error_codes: [700212],
            })
          }
          if (!(options.acceptedSubjects ?? [subject]).includes(sub)) {
            return send(400, {
              error: 'invalid_client',
              error_description: `AADSTS700213: No matching federated identity record found for presented assertion subject '${sub}'.\r\nTrace ID: 1`,
              error_codes: [700213],
            })
          }
        } else if (form.client_secret !== options.clientSecret) {
          return send(401, { error: 'invalid_client', error_description: 'AADSTS7000215: Invalid client secret provided.', error_codes: [7000215] })
        }
        return send(200, { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: aadToken })
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/exchange') {
        if (form.access_token !== aadToken || options.refuseExchange?.includes(form.service ?? '')) {
          return send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] })
        }
        return send(200, { refresh_token: refreshToken })
      }
      if (req.method === 'POST' && url.pathname === '/oauth2/token') {
        if (form.refresh_token !== refreshToken) return send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid refresh token' }] })
        const repository = /^repository:([^:]+):/.exec(form.scope ?? '')?.[1] ?? ''
        const access = [{ type: 'repository', name: repository, actions: options.grantedActions ?? ['pull', 'push'] }]
        return send(200, { access_token: fakeJwt({ iss: 'Azure Container Registry', aud: form.service, access }) })
      }
      send(404, { error: 'not_found' })
    })
  }
  const server = options.tls ? createHttpsServer(options.tls, handler) : createServer(handler)
  const { port, stop } = await listenOnLoopback(server)
  const base = `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`
  return {
    base,
    port,
    requests,
    githubToken,
    aadToken,
    refreshToken,
    /** The environment a job with `permissions: id-token: write` gets, pointed at this server. */
    env: {
      ACTIONS_ID_TOKEN_REQUEST_URL: `${base}/github/token?api-version=2.0`,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: GITHUB_REQUEST_TOKEN,
      AZURE_AUTHORITY_HOST: base,
      ACR_PUSH_TOKEN_BASE_URL: base,
    },
    stop,
  }
}
