import { hostname } from 'node:os'
import { once } from 'node:events'
import type { AddressInfo } from 'node:net'
import { Redis } from 'ioredis'
import { createLogger, errorMessage, onShutdown, redactUrl } from '@aks-gitops/app-shared'
import { loadConfig } from './config'
import { createVoteServer } from './server'
import { redisVoteStore } from './store'

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const logger = createLogger('vote', config.logLevel)
  // No offline queue: while Redis is away a vote fails at once (503) instead of hanging.
  const redis = new Redis(config.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(200 * 2 ** times, 5000),
  })
  redis.on('ready', () => logger.info('connected to Redis', { url: redactUrl(config.redisUrl) }))
  redis.on('error', (e) => logger.warn('Redis connection error', { error: errorMessage(e) }))
  redis.on('reconnecting', (ms: number) => logger.info('reconnecting to Redis', { inMs: ms }))

  let shuttingDown = false
  const server = createVoteServer({
    config,
    store: redisVoteStore(redis, config.stream, config.choicesKey),
    logger,
    hostname: hostname(),
    isShuttingDown: () => shuttingDown,
  })
  server.listen(config.port)
  await once(server, 'listening')
  const port = (server.address() as AddressInfo).port
  logger.info('listening', { port, options: [config.optionA, config.optionB] })

  onShutdown({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    cleanup: async () => {
      shuttingDown = true
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeIdleConnections()
      })
      await redis.quit().catch(() => redis.disconnect())
    },
  })
}

main().catch((e) => {
  process.stderr.write(JSON.stringify({ time: new Date().toISOString(), level: 'error', service: 'vote', msg: 'failed to start', error: errorMessage(e) }) + '\n')
  process.exit(1)
})
