// Small HTTP helpers shared by the three services: health endpoints and response writers.
import type { IncomingMessage, ServerResponse } from 'node:http'

export type ReadinessCheck = () => Promise<void>

export interface HealthOptions {
  /** Named checks of the backing services; readiness fails when any throws or times out. */
  checks: Record<string, ReadinessCheck>
  timeoutMs?: number
  isShuttingDown?: () => boolean
}

export interface HealthReport {
  ready: boolean
  checks: Record<string, string>
}

export async function checkReadiness({ checks, timeoutMs = 2000, isShuttingDown }: HealthOptions): Promise<HealthReport> {
  const report: HealthReport = { ready: true, checks: {} }
  if (isShuttingDown?.()) return { ready: false, checks: { shutdown: 'shutting down' } }
  await Promise.all(
    Object.entries(checks).map(async ([name, check]) => {
      try {
        await withTimeout(check(), timeoutMs, `${name} did not answer within ${timeoutMs} ms`)
        report.checks[name] = 'ok'
      } catch (e) {
        report.ready = false
        report.checks[name] = e instanceof Error ? e.message || e.name : String(e)
      }
    }),
  )
  return report
}

/**
 * Answers /healthz (liveness: the process serves HTTP) and /readyz (readiness: the backing
 * services answer). Returns false for any other path so the caller routes it.
 */
export async function handleHealth(req: IncomingMessage, res: ServerResponse, options: HealthOptions): Promise<boolean> {
  const path = (req.url ?? '/').split('?')[0]
  if (path === '/healthz' || path === '/livez') {
    sendJson(res, 200, { status: 'ok' })
    return true
  }
  if (path === '/readyz') {
    const report = await checkReadiness(options)
    sendJson(res, report.ready ? 200 : 503, { status: report.ready ? 'ready' : 'not ready', checks: report.checks })
    return true
  }
  return false
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
  res.end(text)
}

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    ...headers,
  })
  res.end(html)
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' })
  res.end(text)
}

/** Reads a request body up to a limit; larger bodies are rejected rather than buffered. */
export function readBody(req: IncomingMessage, limit = 16 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        reject(new Error('request body too large'))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
