import { hostname } from 'node:os'
import { Redis } from 'ioredis'
import { closeServer, createLogger, errorMessage, listen, onShutdown, redactUrl, startService } from '@aks-gitops/app-shared'
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
  const port = await listen(server, config.port)
  logger.info('listening', { port, options: [config.optionA, config.optionB] })

  onShutdown({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    cleanup: async () => {
      shuttingDown = true
      await closeServer(server)
      await redis.quit().catch(() => redis.disconnect())
    },
  })
}

void startService('vote', main)
