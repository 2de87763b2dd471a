import { hostname } from 'node:os'
import { envInt, envRedisUrl, envString, envVoteStream, parseLevel, postgresConfig, type Env, type Level, type PostgresConfig } from '@aks-gitops/app-shared'

export interface WorkerConfig {
  port: number
  redisUrl: string
  postgres: PostgresConfig
  stream: string
  group: string
  /** This worker's name in the consumer group; entries it took but did not store stay assigned to it. */
  consumer: string
  batchSize: number
  blockMs: number
  /** Entries another consumer took and has not acknowledged for this long are claimed (it died). */
  claimIdleMs: number
  backoffInitialMs: number
  backoffMaxMs: number
  logLevel: Level
  shutdownTimeoutMs: number
}

export function loadConfig(env: Env): WorkerConfig {
  return {
    port: envInt(env, 'PORT', 8080, 0, 65535),
    redisUrl: envRedisUrl(env),
    postgres: postgresConfig(env),
    stream: envVoteStream(env),
    group: envString(env, 'CONSUMER_GROUP', 'worker'),
    consumer: envString(env, 'CONSUMER_NAME', hostname()),
    batchSize: envInt(env, 'BATCH_SIZE', 100, 1, 10000),
    blockMs: envInt(env, 'BLOCK_MS', 2000, 1, 60000),
    claimIdleMs: envInt(env, 'CLAIM_IDLE_MS', 30000, 0),
    backoffInitialMs: envInt(env, 'BACKOFF_INITIAL_MS', 250, 1),
    backoffMaxMs: envInt(env, 'BACKOFF_MAX_MS', 10000, 1),
    logLevel: parseLevel(env.LOG_LEVEL),
    shutdownTimeoutMs: envInt(env, 'SHUTDOWN_TIMEOUT_MS', 15000, 0),
  }
}
