// Configuration comes from environment variables, each with a default that works in the
// Kubernetes manifests of this repository. A malformed value fails at start-up, naming the variable.

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
