import { envInt, envVoteOptions, parseLevel, postgresConfig, type Env, type Level, type PostgresConfig } from '@aks-gitops/app-shared'

export interface ResultConfig {
  port: number
  postgres: PostgresConfig
  optionA: string
  optionB: string
  /** How often the tally is read from PostgreSQL; every open page gets the change pushed. */
  pollIntervalMs: number
  /** SSE comment lines keep idle connections open through proxies and load balancers. */
  heartbeatMs: number
  logLevel: Level
  shutdownTimeoutMs: number
}

export function loadConfig(env: Env): ResultConfig {
  return {
    port: envInt(env, 'PORT', 8080, 0, 65535),
    postgres: postgresConfig(env),
    ...envVoteOptions(env),
    pollIntervalMs: envInt(env, 'POLL_INTERVAL_MS', 1000, 50, 60000),
    heartbeatMs: envInt(env, 'HEARTBEAT_MS', 15000, 1000),
    logLevel: parseLevel(env.LOG_LEVEL),
    shutdownTimeoutMs: envInt(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0),
  }
}
