// Builds an app's bundle exactly as its Dockerfile does (esbuild, one CommonJS file) and runs it
// as a child process on this Node (24 under pnpm), collecting its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

export const APPS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

export async function bundleApp(app: 'vote' | 'worker' | 'result', outDir = mkdtempSync(join(tmpdir(), `${app}-bundle-`))): Promise<string> {
  const outfile = join(outDir, `${app}.cjs`)
  await build({
    entryPoints: [join(APPS_DIR, app, 'src/index.ts')],
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'cjs',
    external: ['pg-native'],
    outfile,
    logLevel: 'error',
  })
  return outfile
}

export interface LogLine {
  level?: string
  msg?: string
  [key: string]: unknown
}

export class RunningApp {
  readonly logs: LogLine[] = []
  readonly stderr: string[] = []
  readonly exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private listeners: (() => void)[] = []
  /** The HTTP port the app listens on (its start log line says). */
  port = 0

  constructor(readonly proc: ChildProcess, readonly name: string) {
    let buffer = ''
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffer += chunk.toString()
      let nl: number
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, nl)
        buffer = buffer.slice(nl + 1)
        try {
          this.logs.push(JSON.parse(line) as LogLine)
        } catch {
          this.logs.push({ msg: line, level: 'unstructured' })
        }
        for (const l of this.listeners) l()
      }
    })
    proc.stderr?.on('data', (chunk: Buffer) => this.stderr.push(chunk.toString()))
    // 'close', not 'exit': by then stdout is fully read, so the last log lines are in this.logs.
    this.exit = new Promise((r) => proc.once('close', (code, signal) => r({ code, signal })))
  }

  /** Resolves with the first log line (seen or future) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 15000): Promise<LogLine> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.logs.find(match)
        if (!found) return false
        clearTimeout(timer)
        this.listeners = this.listeners.filter((l) => l !== listener)
        resolve(found)
        return true
      }
      const listener = () => void check()
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener)
        reject(new Error(`${this.name}: no matching log line in ${timeoutMs} ms. Logs:\n${this.logs.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr.join('')}`))
      }, timeoutMs)
      if (!check()) this.listeners.push(listener)
    })
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal)
    return this.exit
  }
}

export async function startApp(name: string, bundle: string, env: Record<string, string>): Promise<RunningApp> {
  const proc = spawn(process.execPath, [bundle], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'debug', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const app = new RunningApp(proc, name)
  const started = await Promise.race([
    app.waitForLog((l) => l.msg === 'listening' || l.msg === 'started', 15000),
    app.exit.then(({ code }) => {
      throw new Error(`${name} exited with ${code} on start: ${app.stderr.join('')}`)
    }),
  ])
  app.port = Number(started.port)
  return app
}

export async function waitUntil<T>(what: string, check: () => Promise<T | undefined | false>, timeoutMs = 15000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const value = await check()
      if (value !== undefined && value !== false) return value
    } catch (e) {
      last = e
    }
    await new Promise((r) => setTimeout(r, everyMs))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
}
