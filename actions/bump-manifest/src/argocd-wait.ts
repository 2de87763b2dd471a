// The step's wait for Argo CD's word on its manifest commit: polls the commit's statuses, and those
// of a newer branch head that includes it (commit-statuses.ts), until status-wait.ts's judge
// decides; logs each poll, sets the outputs sync-status, sync-seconds, sync-url and sync-revision,
// and returns the state reached, success or not: main.ts writes the deployment receipt with it and
// then fails the step (waitFailureMessage) when that is not success.
import * as core from '@actions/core'
import { errorMessage } from '@aks-gitops/toolkit'
import { waitingText } from './rate-limit'
import { waitForStatus, type WaitResult } from './status-wait'
import type { WaitSettings } from './wait-settings'

export interface WaitTarget {
  repository: string
  apiUrl: string
  /** The branch Argo CD tracks, where the commit landed: a newer revision there may include it. */
  branch?: string
  /** The manifest commit this step landed; undefined when it landed none (nothing changed, or refused). */
  commit?: string
}

function setWaitOutputs(state: string, seconds: number, url: string, revision: string): void {
  core.setOutput('sync-status', state)
  core.setOutput('sync-seconds', String(seconds))
  core.setOutput('sync-url', url)
  core.setOutput('sync-revision', revision)
}

export async function awaitArgoCd(wait: WaitSettings, target: WaitTarget): Promise<WaitResult | undefined> {
  if (!target.commit) {
    // No new revision for Argo CD to sync: what is deployed is what an earlier run waited for.
    core.info(`No manifest commit landed, so there is no new revision for Argo CD Application ${wait.application} to sync: not waiting.`)
    setWaitOutputs('skipped', 0, '', '')
    return undefined
  }
  const revision = target.commit
  core.startGroup(`Wait for Argo CD: status "${wait.context}" on ${revision} (timeout ${wait.timeoutSeconds} s)`)
  let result: WaitResult
  const started = Date.now()
  try {
    // The GitHub client lives in the lazily loaded API chunk, like the other API paths.
    const [{ github }, { newerRevisionReader, statusReader }] = await Promise.all([import(/* webpackChunkName: "github-api" */ './pull-request'), import(/* webpackChunkName: "github-api" */ './commit-statuses')])
    const octokit = github(wait.token, target.apiUrl)
    const read = statusReader(octokit, target.repository)
    const newer = target.branch ? newerRevisionReader(octokit, target.repository, target.branch, revision, read) : undefined
    const seenIgnored = new Set<string>()
    result = await waitForStatus(
      { application: wait.application, context: wait.context, revision, timeoutSeconds: wait.timeoutSeconds, intervalSeconds: wait.intervalSeconds },
      {
        read,
        newer,
        onNewer: (poll, later, verdict) => {
          const what = verdict.kind === 'waiting' ? (verdict.pending ? `pending: "${verdict.pending.description ?? ''}"` : 'no status yet') : `${verdict.kind}: "${verdict.status.description ?? ''}"`
          core.info(`poll ${poll}: ${target.branch} moved on to ${later}, which includes this commit: ${what}`)
        },
        onPoll: (poll, { verdict, ignored }) => {
          for (const s of ignored) {
            const key = `${s.state}|${s.description}`
            if (seenIgnored.has(key)) continue
            seenIgnored.add(key)
            core.info(`Ignoring a ${s.state} status "${s.description ?? ''}": it is about another revision`)
          }
          if (verdict.kind === 'waiting') core.info(`poll ${poll}: ${verdict.pending ? `pending: "${verdict.pending.description ?? ''}"` : `no status "${wait.context}" yet`}`)
          else core.info(`poll ${poll}: ${verdict.kind}: "${verdict.status.description ?? ''}"`)
        },
        onTransientError: (error, poll, waitMs) => core.warning(`poll ${poll}: ${errorMessage(error)}${waitMs === undefined ? '' : `; ${waitingText(waitMs)} before the next poll`}`),
      },
    )
  } catch (error) {
    // Only what precedes the polls throws (the API client did not load): nothing was read, so the
    // state is unknown, returned like any other so the outputs and the receipt record it.
    const seconds = Math.round((Date.now() - started) / 1000)
    result = { state: 'unknown', application: wait.application, context: wait.context, revision, syncedRevision: revision, seconds, polls: 0, ignored: [], readError: errorMessage(error) }
  } finally {
    core.endGroup()
  }
  const answered = result.state !== 'timeout' && result.state !== 'unknown'
  setWaitOutputs(result.state, result.seconds, result.status?.target_url ?? '', answered ? result.syncedRevision : '')
  if (result.state !== 'success') return result
  const via = result.syncedRevision === revision ? '' : ` (through ${result.syncedRevision}, which includes it)`
  core.info(`Argo CD Application ${result.application} reported success at ${revision}${via} after ${result.seconds} s`)
  return result
}
