// Real Redis and PostgreSQL servers for the integration tests: Debian's binaries, started on free
// loopback ports in temporary directories, restartable on the same port and data (reconnect tests).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'

export const REDIS_SERVER = process.env.REDIS_SERVER ?? '/usr/bin/redis-server'
export const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address()
      srv.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return
    await new Promise((r) => setTimeout(r, 100))
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`)
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((r) => proc.once('exit', () => r()))
}

export interface Service {
  port: number
  dir: string
  /** Stops the server (clean shutdown); start() brings it back on the same port and data. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops it and deletes its directory. */
  destroy(): Promise<void>
}

function requireBinary(path: string, hint: string): void {
  if (!existsSync(path)) throw new Error(`${path} not found: install ${hint} (tools/bootstrap.sh does)`)
}

export async function startRedis(): Promise<Service & { url: string }> {
  requireBinary(REDIS_SERVER, "Debian's redis-server")
  const dir = mkdtempSync(join(tmpdir(), 'redis-test-'))
  const port = await freePort()
  let proc: ChildProcess | undefined
  const service = {
    port,
    dir,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // Append-only file with fsync on every write: a restart keeps queued votes, as a
      // Redis with a volume would.
      proc = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '',
        '--appendonly', 'yes', '--appendfsync', 'always', '--protected-mode', 'no'], { stdio: 'ignore' })
      await waitFor('redis-server', () => ping(port))
    },
    async stop() {
      if (!proc) return
      const p = proc
      proc = undefined
      p.kill('SIGTERM')
      await exited(p)
    },
    async destroy() {
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
  }
  await service.start()
  return service
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1')
    socket.once('data', (d) => {
      socket.destroy()
      resolve(d.toString().startsWith('+PONG'))
    })
    socket.once('error', () => resolve(false))
    socket.write('PING\r\n')
  })
}

export interface PgService extends Service {
  host: string
  user: string
  password: string
  /** Creates an empty database and returns its name: each test file gets its own. */
  createDatabase(prefix: string): Promise<string>
}

function postgresUser(): { uid: number; gid: number } | undefined {
  // PostgreSQL refuses to run as root: as root, run it as Debian's postgres user.
  if (process.getuid?.() !== 0) return undefined
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim())
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim())
  return { uid, gid }
}

export async function startPostgres(): Promise<PgService> {
  requireBinary(join(PG_BIN, 'postgres'), "Debian's postgresql")
  const owner = postgresUser()
  const dir = mkdtempSync(join(tmpdir(), 'pg-test-'))
  const data = join(dir, 'data')
  const password = `pw-${Math.random().toString(36).slice(2)}`
  writeFileSync(join(dir, 'pwfile'), password + '\n')
  if (owner) chownSync(dir, owner.uid, owner.gid)
  if (owner) chownSync(join(dir, 'pwfile'), owner.uid, owner.gid)
  execFileSync(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'voter', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`,
    '-E', 'UTF8', '--no-sync', '--no-instructions'], { stdio: 'ignore', ...owner })
  const port = await freePort()
  let proc: ChildProcess | undefined
  const admin = () => new pg.Client({ host: '127.0.0.1', port, user: 'voter', password, database: 'postgres' })
  const service: PgService = {
    port,
    dir,
    host: '127.0.0.1',
    user: 'voter',
    password,
    async start() {
      proc = spawn(join(PG_BIN, 'postgres'), ['-D', data, '-p', String(port), '-h', '127.0.0.1', '-k', dir,
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'], { stdio: 'ignore', ...owner })
      await waitFor('postgres', async () => {
        const client = admin()
        try {
          await client.connect()
          await client.query('SELECT 1')
          return true
        } finally {
          await client.end().catch(() => undefined)
        }
      })
    },
    async stop() {
      if (!proc) return
      const p = proc
      proc = undefined
      p.kill('SIGINT') // fast shutdown: disconnects clients, as a pod restart does
      await exited(p)
    },
    async destroy() {
      await service.stop()
      rmSync(dir, { recursive: true, force: true })
    },
    createDatabase: (prefix) => createDatabase({ host: '127.0.0.1', port, user: 'voter', password }, prefix),
  }
  await service.start()
  return service
}

export interface PgConnection {
  host: string
  port: number
  user: string
  password: string
}

/** Creates an empty database on the server and returns its name. */
export async function createDatabase(server: PgConnection, prefix: string): Promise<string> {
  const name = `${prefix}_${Math.random().toString(36).slice(2, 10)}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  const client = new pg.Client({ ...server, database: 'postgres' })
  await client.connect()
  try {
    await client.query(`CREATE DATABASE ${name}`)
  } finally {
    await client.end()
  }
  return name
}

/** The PG* variables the apps read. */
export function pgEnv(server: PgConnection, database: string): Record<string, string> {
  return { PGHOST: server.host, PGPORT: String(server.port), PGUSER: server.user, PGPASSWORD: server.password, PGDATABASE: database }
}
