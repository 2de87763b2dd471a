// Structured logs: one JSON object per line on stdout, which is what cluster log collectors parse.

export type Level = 'debug' | 'info' | 'warn' | 'error'
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void
  info(msg: string, fields?: Record<string, unknown>): void
  warn(msg: string, fields?: Record<string, unknown>): void
  error(msg: string, fields?: Record<string, unknown>): void
}

export function parseLevel(value: string | undefined): Level {
  const v = (value ?? 'info').toLowerCase()
  return v in rank ? (v as Level) : 'info'
}

export function createLogger(
  service: string,
  level: Level = 'info',
  write: (line: string) => void = (line) => process.stdout.write(line + '\n'),
): Logger {
  const log = (lvl: Level, msg: string, fields?: Record<string, unknown>) => {
    if (rank[lvl] < rank[level]) return
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, service, msg }
    for (const [k, v] of Object.entries(fields ?? {})) entry[k] = v instanceof Error ? v.message : v
    write(JSON.stringify(entry))
  }
  return {
    debug: (m, f) => log('debug', m, f),
    info: (m, f) => log('info', m, f),
    warn: (m, f) => log('warn', m, f),
    error: (m, f) => log('error', m, f),
  }
}

export function errorMessage(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) return e.errors.map(errorMessage).join('; ')
  return e instanceof Error ? e.message || e.name : String(e)
}
