// Graceful shutdown: on SIGTERM (what Kubernetes sends) or SIGINT, run the service's cleanup once,
// then exit; if cleanup hangs past the deadline, exit anyway so the pod does not wait for SIGKILL.
import type { Logger } from './logger'
import { errorMessage } from './logger'

export interface ShutdownOptions {
  logger: Logger
  timeoutMs: number
  cleanup: (signal: string) => Promise<void>
  exit?: (code: number) => void
}

export function onShutdown({ logger, timeoutMs, cleanup, exit = (c) => process.exit(c) }: ShutdownOptions): (signal: string) => Promise<void> {
  let started = false
  const handler = async (signal: string) => {
    if (started) return
    started = true
    logger.info('shutting down', { signal, timeoutMs })
    const deadline = setTimeout(() => {
      logger.error('shutdown took too long, exiting', { timeoutMs })
      exit(1)
    }, timeoutMs)
    deadline.unref()
    try {
      await cleanup(signal)
      logger.info('stopped cleanly')
      exit(0)
    } catch (e) {
      logger.error('shutdown failed', { error: errorMessage(e) })
      exit(1)
    } finally {
      clearTimeout(deadline)
    }
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void handler(signal))
  return handler
}
