import { createServer } from 'node:http'
import { Redis } from 'ioredis'
import { closeServer, createLogger, errorMessage, handleHealth, listen, onShutdown, redactUrl, sendJson, startService } from '@aks-gitops/app-shared'
import { loadConfig } from './config'
import { createPool, ensureSchema, storeVotes } from './db'
import { runLoop } from './loop'
import { redisVoteQueue } from './queue'

async function main(): Promise<void> {
  const config = loadConfig(process.env)
  const logger = createLogger('worker', config.logLevel)
  const retryStrategy = (times: number) => Math.min(config.backoffInitialMs * 2 ** times, config.backoffMaxMs)
  // The consuming connection queues commands while Redis is away (maxRetriesPerRequest: null):
  // the loop resumes where it was once Redis is back.
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: null, retryStrategy })
  // A second connection for readiness, which must not wait behind a blocking XREADGROUP.
  const probe = new Redis(config.redisUrl, { enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy })
  redis.on('ready', () => logger.info('connected to Redis', { url: redactUrl(config.redisUrl) }))
  redis.on('error', (e) => logger.warn('Redis connection error', { error: errorMessage(e) }))
  redis.on('reconnecting', (ms: number) => logger.info('reconnecting to Redis', { inMs: ms }))
  probe.on('error', () => undefined)

  const pool = createPool(config.postgres)
  // An idle client losing its connection (PostgreSQL restarted) is reported here; the pool drops it.
  pool.on('error', (e) => logger.warn('PostgreSQL connection lost', { error: errorMessage(e) }))

  const controller = new AbortController()
  const health = createServer((req, res) => {
    handleHealth(req, res, {
      checks: {
        redis: async () => void (await probe.ping()),
        postgres: async () => void (await pool.query('SELECT 1')),
      },
      isShuttingDown: () => controller.signal.aborted,
    })
      .then((handled) => handled || sendJson(res, 404, { error: 'not found' }))
      .catch(() => res.destroy())
  })
  const port = await listen(health, config.port)
  logger.info('started', {
    port,
    stream: config.stream,
    group: config.group,
    consumer: config.consumer,
    postgres: `${config.postgres.host}:${config.postgres.port}/${config.postgres.database}`,
  })

  const loop = runLoop({
    queue: redisVoteQueue(redis, config.stream, config.group, config.consumer),
    sink: { ensureSchema: () => ensureSchema(pool), store: (votes) => storeVotes(pool, votes) },
    logger,
    batchSize: config.batchSize,
    blockMs: config.blockMs,
    claimIdleMs: config.claimIdleMs,
    backoff: { initialMs: config.backoffInitialMs, maxMs: config.backoffMaxMs },
    signal: controller.signal,
  })

  onShutdown({
    logger,
    timeoutMs: config.shutdownTimeoutMs,
    cleanup: async () => {
      // The loop stops at once; a batch it had taken and not acknowledged stays pending in Redis
      // for the next worker (storing it again is harmless).
      controller.abort()
      const stats = await loop
      logger.info('loop stopped', { ...stats })
      await closeServer(health)
      // quit() would wait for a Redis that is away: just drop the connection then.
      const close = (client: Redis) => (client.status === 'ready' ? client.quit() : Promise.resolve(client.disconnect()))
      await Promise.allSettled([close(redis), close(probe), pool.end()])
    },
  })
  loop.catch((e) => {
    logger.error('loop crashed', { error: errorMessage(e) })
    process.exit(1)
  })
}

void startService('worker', main)
