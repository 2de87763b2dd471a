// Configuration comes from environment variables, each with a default that works in the
// Kubernetes manifests of this repository. A malformed value fails at start-up, naming the variable.
import { DEFAULT_VOTE_STREAM } from './votes'

export class ConfigError extends Error {
  override name = 'ConfigError'
}

export type Env = Record<string, string | undefined>

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name]?.trim()
  return value ? value : fallback
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name]?.trim()
  if (!raw) return fallback
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`)
  const value = Number(raw)
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`)
  return value
}

export function envUrl(env: Env, name: string, fallback: string, protocols: readonly string[]): string {
  const value = envString(env, name, fallback)
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got "${redactUrl(value)}"`)
  }
  if (!protocols.includes(url.protocol)) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got "${url.protocol}"`)
  }
  return value
}

/** A URL for logs: the password, if any, replaced so that it never reaches a log line. */
export function redactUrl(value: string): string {
  try {
    const url = new URL(value)
    if (url.password) url.password = '***'
    return url.toString()
  } catch {
    return '<unparseable URL>'
  }
}

export interface PostgresConfig {
  host: string
  port: number
  user: string
  password: string
  database: string
}

/** PostgreSQL settings as separate variables, so the password alone can come from a Secret. */
export function postgresConfig(env: Env): PostgresConfig {
  return {
    host: envString(env, 'PGHOST', 'db'),
    port: envInt(env, 'PGPORT', 5432, 1, 65535),
    user: envString(env, 'PGUSER', 'postgres'),
    // No default password: an empty one works only against a server that trusts the client.
    password: env.PGPASSWORD ?? '',
    database: envString(env, 'PGDATABASE', 'postgres'),
  }
}

/** Redis for vote and worker (`REDIS_URL`): the in-cluster service by default, TLS allowed. */
export function envRedisUrl(env: Env): string {
  return envUrl(env, 'REDIS_URL', 'redis://redis:6379', ['redis:', 'rediss:'])
}

/** The stream vote writes and worker reads (`VOTE_STREAM`). */
export function envVoteStream(env: Env): string {
  return envString(env, 'VOTE_STREAM', DEFAULT_VOTE_STREAM)
}

/** The labels of the two choices (`OPTION_A`, `OPTION_B`), which vote and result both show. */
export function envVoteOptions(env: Env): { optionA: string; optionB: string } {
  return { optionA: envString(env, 'OPTION_A', 'Cats'), optionB: envString(env, 'OPTION_B', 'Dogs') }
}
