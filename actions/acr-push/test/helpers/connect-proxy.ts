// A small forward proxy on loopback as a corporate proxy behaves: clients send `CONNECT host:port`
// (RFC 9110 section 9.3.6) with optional Basic proxy credentials, the proxy resolves the name itself
// and tunnels the bytes. Here it resolves only the names a test maps (to local servers), so a client
// that bypassed it could not reach them at all; every CONNECT is recorded.
// A throwaway CA and server certificate come from openssl, for https stand-ins behind real host names.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type IncomingMessage } from 'node:http'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { listenOnLoopback } from '@aks-gitops/test-support/registry'

export interface ConnectProxy {
  /** http://[user:password@]127.0.0.1:port, for HTTPS_PROXY. */
  url: string
  /** `host:port` of every CONNECT, in order, whether allowed or not. */
  connects: string[]
  /** Proxy-Authorization headers received. */
  authorizations: Array<string | undefined>
  stop: () => Promise<void>
}

export async function startConnectProxy(options: { routes: Record<string, number>; credentials?: [string, string] }): Promise<ConnectProxy> {
  const connects: string[] = []
  const authorizations: Array<string | undefined> = []
  const sockets = new Set<Socket>()
  const expected = options.credentials ? `Basic ${Buffer.from(options.credentials.join(':')).toString('base64')}` : undefined
  const server = createServer((_req, res) => {
    res.writeHead(405)
    res.end('CONNECT only')
  })
  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    sockets.add(client)
    client.on('error', () => undefined)
    const target = req.url ?? ''
    connects.push(target)
    authorizations.push(req.headers['proxy-authorization'])
    if (expected && req.headers['proxy-authorization'] !== expected) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\n\r\n')
      return
    }
    const port = options.routes[target.toLowerCase()]
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n')
      return
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n')
      if (head.length > 0) upstream.write(head)
      upstream.pipe(client)
      client.pipe(upstream)
    })
    sockets.add(upstream)
    upstream.on('error', () => client.destroy())
  })
  const { host, stop } = await listenOnLoopback(server, sockets)
  const auth = options.credentials ? `${options.credentials.map(encodeURIComponent).join(':')}@` : ''
  return { url: `http://${auth}${host}`, connects, authorizations, stop }
}

export interface TestCertificates {
  /** PEM of the CA, for NODE_EXTRA_CA_CERTS. */
  caFile: string
  key: string
  cert: string
}

/** A throwaway CA and a server certificate it signed for the given DNS names and 127.0.0.1. */
export function makeCertificates(dnsNames: string[]): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'acr-push-tls-'))
  const file = (name: string) => join(dir, name)
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' })
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=acr-push test CA', '-keyout', file('ca.key'), '-out', file('ca.pem'))
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${dnsNames[0] ?? 'localhost'}`, '-keyout', file('server.key'), '-out', file('server.csr'))
  const san = [...dnsNames.map((name) => `DNS:${name}`), 'IP:127.0.0.1'].join(',')
  writeFileSync(file('ext.cnf'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`)
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', file('ext.cnf'), '-out', file('server.pem'))
  return { caFile: file('ca.pem'), key: readFileSync(file('server.key'), 'utf8'), cert: readFileSync(file('server.pem'), 'utf8') }
}
