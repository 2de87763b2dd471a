// Server-sent events: every open result page holds one /events response; one poller reads the
// tally and pushes it to all of them when it changes.
import type { ServerResponse } from 'node:http'
import { errorMessage, sleep, type Logger } from '@aks-gitops/app-shared'
import { sameTally, type Tally } from './tally'

export function sseMessage(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
}

export class TallyHub {
  private readonly clients = new Set<ServerResponse>()
  private current: Tally | undefined
  private healthy = false

  constructor(private readonly logger: Logger) {}

  get latest(): Tally | undefined {
    return this.current
  }

  get connected(): number {
    return this.clients.size
  }

  get lastReadOk(): boolean {
    return this.healthy
  }

  subscribe(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      // The stream is the whole life of the connection: closing it with the stream lets shutdown finish.
      connection: 'close',
      // Tells nginx-style proxies not to buffer the stream.
      'x-accel-buffering': 'no',
    })
    res.write('retry: 2000\n\n')
    if (this.current) res.write(sseMessage('tally', this.current))
    this.clients.add(res)
    res.on('close', () => this.clients.delete(res))
  }

  publish(tally: Tally): void {
    this.healthy = true
    if (sameTally(this.current, tally)) return
    this.current = tally
    const message = sseMessage('tally', tally)
    for (const res of this.clients) res.write(message)
  }

  failed(error: unknown): void {
    if (this.healthy) this.logger.warn('could not read the tally from PostgreSQL', { error: errorMessage(error) })
    this.healthy = false
  }

  heartbeat(): void {
    for (const res of this.clients) res.write(': ping\n\n')
  }

  closeAll(): void {
    for (const res of this.clients) res.end()
    this.clients.clear()
  }

  /** Polls until the signal aborts. */
  async run(read: () => Promise<Tally>, intervalMs: number, heartbeatMs: number, signal: AbortSignal): Promise<void> {
    let sinceHeartbeat = 0
    while (!signal.aborted) {
      try {
        const wasHealthy = this.healthy
        this.publish(await read())
        if (!wasHealthy) this.logger.info('reading the tally from PostgreSQL', { total: this.current?.total })
      } catch (e) {
        this.failed(e)
      }
      await sleep(intervalMs, signal)
      sinceHeartbeat += intervalMs
      if (sinceHeartbeat >= heartbeatMs) {
        sinceHeartbeat = 0
        this.heartbeat()
      }
    }
  }
}
