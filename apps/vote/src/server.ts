import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { errorMessage, handleHealth, readBody, sendHtml, sendText, type Choice, type Logger } from '@aks-gitops/app-shared'
import { renderPage } from './page'
import type { VoteStore } from './store'
import { newVoterId, parseChoice, voterCookie, voterIdFrom } from './voter'
import type { VoteConfig } from './config'

export interface VoteServerDeps {
  config: Pick<VoteConfig, 'optionA' | 'optionB' | 'cookieSecure'>
  store: VoteStore
  logger: Logger
  hostname: string
  isShuttingDown?: () => boolean
}

export function createVoteServer(deps: VoteServerDeps): Server {
  const server = createServer((req, res) => {
    handle(req, res, deps).catch((e) => {
      deps.logger.error('request failed', { method: req.method, url: req.url, error: errorMessage(e) })
      if (!res.headersSent) sendText(res, 500, 'Internal error')
      else res.destroy()
    })
  })
  // Close idle keep-alive sockets promptly so shutdown does not wait for them.
  server.keepAliveTimeout = 5000
  return server
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: VoteServerDeps): Promise<void> {
  const { store, logger } = deps
  if (await handleHealth(req, res, { checks: { redis: () => store.ping() }, isShuttingDown: deps.isShuttingDown })) return
  const path = (req.url ?? '/').split('?')[0]
  if (path !== '/') return sendText(res, 404, 'Not found')

  const existing = voterIdFrom(req.headers.cookie)
  const voterId = existing ?? newVoterId()
  const headers: Record<string, string> = existing ? {} : { 'set-cookie': voterCookie(voterId, deps.config.cookieSecure) }

  if (req.method === 'GET' || req.method === 'HEAD') {
    let choice: Choice | undefined
    let notice: string | undefined
    if (existing) {
      try {
        choice = await store.choiceOf(voterId)
      } catch (e) {
        logger.warn('could not read the current choice', { error: errorMessage(e) })
        notice = 'Your current vote cannot be shown right now.'
      }
    }
    return sendHtml(res, 200, renderPage({ ...deps.config, choice, hostname: deps.hostname, notice }), headers)
  }

  if (req.method === 'POST') {
    const choice = parseChoice(await readBody(req))
    if (!choice) return sendText(res, 400, 'Expected a form field vote=a or vote=b')
    try {
      await store.record(voterId, choice)
    } catch (e) {
      logger.error('could not queue the vote', { error: errorMessage(e) })
      const page = renderPage({ ...deps.config, hostname: deps.hostname, notice: 'Your vote could not be recorded. Please try again.' })
      return sendHtml(res, 503, page, headers)
    }
    logger.info('vote queued', { voter: voterId, vote: choice })
    // Post/Redirect/Get: reloading the page does not post the vote again.
    res.writeHead(303, { location: '/', ...headers })
    res.end()
    return
  }

  res.writeHead(405, { allow: 'GET, HEAD, POST' })
  res.end()
}
