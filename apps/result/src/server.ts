import { createServer, type Server } from 'node:http'
import { errorMessage, handleHealth, sendHtml, sendJson, sendText, type Logger } from '@aks-gitops/app-shared'
import type { TallyHub } from './live'
import { renderResultPage } from './page'
import { computeTally, type Tally } from './tally'

export interface ResultServerDeps {
  optionA: string
  optionB: string
  hub: TallyHub
  readTally: () => Promise<Tally>
  ping: () => Promise<void>
  logger: Logger
  isShuttingDown?: () => boolean
}

export function createResultServer(deps: ResultServerDeps): Server {
  const server = createServer((req, res) => {
    void (async () => {
      if (await handleHealth(req, res, { checks: { postgres: deps.ping }, isShuttingDown: deps.isShuttingDown })) return
      const path = (req.url ?? '/').split('?')[0]
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD' })
        return res.end()
      }
      if (path === '/events') return deps.hub.subscribe(res)
      if (path === '/api/tally') return sendJson(res, 200, await current(deps))
      if (path === '/') return sendHtml(res, 200, renderResultPage({ ...deps, tally: await current(deps) }))
      sendText(res, 404, 'Not found')
    })().catch((e) => {
      deps.logger.error('request failed', { url: req.url, error: errorMessage(e) })
      if (!res.headersSent) sendText(res, 503, 'The tally is not available right now')
      else res.destroy()
    })
  })
  server.keepAliveTimeout = 5000
  return server
}

async function current(deps: ResultServerDeps): Promise<Tally> {
  try {
    return await deps.readTally()
  } catch (e) {
    // Serve the last known tally while PostgreSQL is away; the page's live updates resume later.
    if (deps.hub.latest) return deps.hub.latest
    deps.logger.warn('no tally yet', { error: errorMessage(e) })
    return computeTally([])
  }
}
