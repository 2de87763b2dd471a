import { envInt, envString, envUrl, parseLevel, type Env, type Level } from '@aks-gitops/app-shared'

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
  const stream = envString(env, 'VOTE_STREAM', 'votes')
  return {
    port: envInt(env, 'PORT', 8080, 0, 65535),
    redisUrl: envUrl(env, 'REDIS_URL', 'redis://redis:6379', ['redis:', 'rediss:']),
    stream,
    choicesKey: `${stream}:choices`,
    optionA: envString(env, 'OPTION_A', 'Cats'),
    optionB: envString(env, 'OPTION_B', 'Dogs'),
    cookieSecure: envString(env, 'COOKIE_SECURE', 'false') === 'true',
    logLevel: parseLevel(env.LOG_LEVEL),
    shutdownTimeoutMs: envInt(env, 'SHUTDOWN_TIMEOUT_MS', 10000, 0),
  }
}
