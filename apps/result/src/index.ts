import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { createLogger, errorMessage, onShutdown } from '@aks-gitops/app-shared'
import { loadConfig } from './config'
import { createPool, readTally } from './db'
import { TallyHub } from './live'
import { createResultServer } from './server'

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const logger = createLogger('result', config.logLevel)
  const pool = createPool(config.postgres)
  pool.on('error', (e) => logger.warn('PostgreSQL connection lost', { error: errorMessage(e) }))

  const hub = new TallyHub(logger)
  const controller = new AbortController()
  const server = createResultServer({
    optionA: config.optionA,
    optionB: config.optionB,
    hub,
    readTally: () => readTally(pool),
    ping: async () => void (await pool.query('SELECT 1')),
    logger,
    isShuttingDown: () => controller.signal.aborted,
  })
  server.listen(config.port)
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  logger.info('listening', {
    port,
    postgres: `${config.postgres.host}:${config.postgres.port}/${config.postgres.database}`,
    pollIntervalMs: config.pollIntervalMs,
  })
  const poller = hub.run(() => readTally(pool), config.pollIntervalMs, config.heartbeatMs, controller.signal)

  onShutdown({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    cleanup: async () => {
      controller.abort()
      await poller
      // Open event streams would keep server.close() waiting forever: end them first.
      hub.closeAll()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await pool.end()
    },
  })
}

main().catch((e) => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', service: 'result', msg: 'failed to start', error: errorMessage(e) }) + '\n')
  process.exit(1)
})
