import pg from 'pg'
import type { PostgresConfig } from '@aks-gitops/app-shared'
import { computeTally, type Tally } from './tally'

export const TALLY_SQL = 'SELECT vote, count(*)::int AS count FROM votes GROUP BY vote'
const UNDEFINED_TABLE = '42P01'

export function createPool(config: PostgresConfig): pg.Pool {
  return new pg.Pool({ ...config, max: 3, connectionTimeoutMillis: 5000, application_name: 'result' })
}

export async function readTally(pool: pg.Pool): Promise<Tally> {
  try {
    const { rows } = await pool.query<{ vote: string; count: number }>(TALLY_SQL)
    return computeTally(rows)
  } catch (e) {
    // The worker creates the table on its first start: until then there are no votes.
    if ((e as { code?: string }).code === UNDEFINED_TABLE) return computeTally([])
    throw e
  }
}
