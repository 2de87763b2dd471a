import { envInt, envRedisUrl, envString, envVoteOptions, envVoteStream, parseLevel, type Env, type Level } from '@aks-gitops/app-shared'

export interface VoteConfig {
  port: number
  redisUrl: string
  /** Redis stream the worker consumes. */
  stream: string
  /** Redis hash of each visitor's latest choice, which the page shows. */
  choicesKey: string
  optionA: string
  optionB: string
  cookieSecure: boolean
  logLevel: Level
  shutdownTimeoutMs: number
}

export function loadConfig(env: Env): VoteConfig {
  const stream = envVoteStream(env)
  return {
    port: envInt(env, 'PORT', 8080, 0, 65535),
    redisUrl: envRedisUrl(env),
    stream,
    choicesKey: `${stream}:choices`,
    ...envVoteOptions(env),
    cookieSecure: envString(env, 'COOKIE_SECURE', 'false') === 'true',
    logLevel: parseLevel(env.LOG_LEVEL),
    shutdownTimeoutMs: envInt(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0),
  }
}
