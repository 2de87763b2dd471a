// The start and stop the three services share: listen on the configured port, close the HTTP
// server on shutdown without waiting on idle keep-alive connections, and end a start that fails
// with one JSON error line and exit code 1 (the pod restarts and its log says why).
import { once } from 'node:events'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createLogger, errorMessage } from './logger'

/** Listens on `port` (0: any free port) and resolves to the port the server got. */
export async function listen(server: Server, port: number): Promise<number> {
  server.listen(port)
  await once(server, 'listening')
  return (server.address() as AddressInfo).port
}

/**
 * Stops accepting connections and resolves once the requests in flight have finished. Idle
 * keep-alive connections (probes, browsers) are closed at once: server.close() alone waits for them.
 */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((e) => (e && (e as NodeJS.ErrnoException).code !== 'ERR_SERVER_NOT_RUNNING' ? reject(e) : resolve()))
    server.closeIdleConnections()
  })
}

export interface StartOptions {
  /** Where the error line goes (default stderr). */
  write?: (line: string) => void
  exit?: (code: number) => void
}

/**
 * Runs a service's `start` (read the config, connect, listen, register onShutdown). A failure
 * before the service runs has no configured logger yet: it is logged as `failed to start` at
 * level error for `service`, and the process exits 1.
 */
export async function startService(service: string, start: () => Promise<void>, options: StartOptions = {}): Promise<void> {
  const { write = (line) => process.stderr.write(line + '\n'), exit = (code) => process.exit(code) } = options
  try {
    await start()
  } catch (e) {
    createLogger(service, 'error', write).error('failed to start', { error: errorMessage(e) })
    exit(1)
  }
}
