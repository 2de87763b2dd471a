// PostgreSQL side of the worker: the schema and the idempotent upsert of one row per visitor.
import pg from 'pg'
import { CHOICES, type PostgresConfig } from '@aks-gitops/app-shared'
import type { Vote } from './votes'

export const SCHEMA_SQL = `CREATE TABLE IF NOT EXISTS votes (
  id text PRIMARY KEY,
  vote text NOT NULL CHECK (vote IN (${CHOICES.map((c) => `'${c}'`).join(', ')})),
  version_ms bigint NOT NULL,
  version_seq bigint NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
)`

// A vote replaces the stored one only when it is newer, so a re-delivered old entry
// (a worker died after storing, before acknowledging) cannot undo a later change of mind.
export const UPSERT_SQL = `INSERT INTO votes (id, vote, version_ms, version_seq)
SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[])
ON CONFLICT (id) DO UPDATE
  SET vote = EXCLUDED.vote, version_ms = EXCLUDED.version_ms, version_seq = EXCLUDED.version_seq, updated_at = now()
  WHERE (votes.version_ms, votes.version_seq) < (EXCLUDED.version_ms, EXCLUDED.version_seq)`

export function upsertParams(votes: Vote[]): [string[], string[], string[], string[]] {
  return [
    votes.map((v) => v.voter),
    votes.map((v) => v.vote),
    votes.map((v) => v.versionMs.toString()),
    votes.map((v) => v.versionSeq.toString()),
  ]
}

export function createPool(config: PostgresConfig): pg.Pool {
  return new pg.Pool({
    ...config,
    max: 2,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30000,
    application_name: 'worker',
  })
}

export async function ensureSchema(pool: pg.Pool): Promise<void> {
  const client = await pool.connect()
  try {
    // Two workers starting together would race on CREATE TABLE's catalog rows: serialise them.
    await client.query('BEGIN')
    await client.query("SELECT pg_advisory_xact_lock(hashtext('votes-schema'))")
    await client.query(SCHEMA_SQL)
    await client.query('COMMIT')
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined)
    throw e
  } finally {
    client.release()
  }
}

export async function storeVotes(pool: pg.Pool, votes: Vote[]): Promise<number> {
  if (votes.length === 0) return 0
  const result = await pool.query(UPSERT_SQL, upsertParams(votes))
  return result.rowCount ?? 0
}
