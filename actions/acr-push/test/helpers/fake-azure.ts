// One local HTTP server that answers as GitHub's OIDC token endpoint, Microsoft Entra's v2.0 token
// endpoint and ACR's /oauth2/exchange and /oauth2/token do (their documented request and response
// shapes), and records every request so tests can assert exactly what was sent.
import { createServer, type IncomingMessage } from 'node:http'

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
}

export const GITHUB_REQUEST_TOKEN = 'gh-request-token-8f3a'

export function fakeJwt(claims: Record<string, unknown>): string {
  const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`
}

export async function startFakeAzure(options: FakeAzureOptions = {}) {
  const requests: RecordedRequest[] = []
  const subject = options.subject ?? 'repo:octo/shop:environment:production'
  const githubToken = fakeJwt({ iss: 'https://token.actions.githubusercontent.com', aud: 'api://AzureADTokenExchange', sub: subject })
  const aadToken = fakeJwt({ aud: 'https://containerregistry.azure.net', tid: 'tenant' })
  const refreshToken = options.refreshToken ?? 'acr-refresh-token-5b9c'
  const failures = Object.fromEntries(Object.entries(options.failures ?? {}).map(([k, v]) => [k, [...v]]))

  const server = createServer((req, res) => {
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
        return send(200, { count: 1, value: githubToken })
      }
      const entra = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(url.pathname)
      if (req.method === 'POST' && entra) {
        if (form.client_assertion) {
          const sub = JSON.parse(Buffer.from(form.client_assertion.split('.')[1] ?? '', 'base64url').toString()).sub as string
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
        if (form.access_token !== aadToken) return send(401, { errors: [{ code: 'UNAUTHORIZED', message: 'invalid access token' }] })
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
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`
  return {
    base,
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
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
