import { closeServer, createLogger, errorMessage, listen, onShutdown, startService } from '@aks-gitops/app-shared'
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
  const port = await listen(server, config.port)
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
      await closeServer(server)
      await pool.end()
    },
  })
}

void startService('result', main)
