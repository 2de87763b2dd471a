// Waits for Argo CD's word on the manifest commit: the GitHub commit status its notifications set
// (k8s-specifications/argocd/notifications-cm.yaml) once the Application is Synced and Healthy at
// that revision, or Degraded, or its sync failed. CI holds no cluster credential: it only reads
// the commit's statuses, and those of a newer revision of the branch that includes the commit
// (Argo CD syncs only the newest revision it sees). judge() is the pure decision; waitForStatus()
// polls through injected readers and clock, so the loop is tested without real waits.
import { errorMessage, revisionInDescription, serverDelayMs, sleep } from '@aks-gitops/toolkit'

/** One status as GET /repos/{owner}/{repo}/commits/{ref}/statuses returns it (newest first). */
export interface CommitStatus {
  state: string
  context: string
  description: string | null
  target_url: string | null
  updated_at?: string
}

export type Verdict =
  | { kind: 'success' | 'failure' | 'error'; status: CommitStatus }
  | { kind: 'waiting'; pending?: CommitStatus }

export interface Judged {
  verdict: Verdict
  /** Statuses in the context that name another revision: never taken as this revision's word. */
  ignored: CommitStatus[]
}

/**
 * The newest status in `context` that is about `revision` decides. A status is about ANOTHER
 * revision when its description starts with "revision <full sha>" naming a different commit (the
 * templates write the synced revision there, and set the status on that same revision, so on this
 * commit such a status comes from a differently configured sender: for example a revisionPath of
 * app.status.sync.revision, which a Degraded of the previous rollout would post on the new
 * commit). A description that names no revision is taken as about the commit it is set on, as the
 * API scopes it.
 */
export function judge(statuses: readonly CommitStatus[], context: string, revision: string): Judged {
  const ignored: CommitStatus[] = []
  for (const status of statuses) {
    if (status.context !== context) continue
    const named = revisionInDescription(status.description)
    if (named !== undefined && named !== revision.toLowerCase()) {
      ignored.push(status)
      continue
    }
    if (status.state === 'success' || status.state === 'failure' || status.state === 'error') return { verdict: { kind: status.state, status }, ignored }
    return { verdict: { kind: 'waiting', pending: status }, ignored }
  }
  return { verdict: { kind: 'waiting' }, ignored }
}

/** Argo CD's word, a timeout, or unknown: the statuses could not be read (a refused token, no such repository). */
export type SyncState = 'success' | 'failure' | 'error' | 'timeout' | 'unknown'

export interface WaitResult {
  state: SyncState
  application: string
  context: string
  /** The manifest commit waited for. */
  revision: string
  /** The revision the deciding status is about: the commit itself, or a newer one that includes it. */
  syncedRevision: string
  seconds: number
  polls: number
  /** The deciding status (or, on timeout, the last pending one). */
  status?: CommitStatus
  ignored: CommitStatus[]
  /** With state unknown: the read that failed and would not succeed by polling again. */
  readError?: string
}

export interface WaitRequest {
  application: string
  context: string
  revision: string
  timeoutSeconds: number
  intervalSeconds: number
}

/** A newer revision of the branch that includes the commit waited for, with its newest statuses. */
export interface NewerRevision {
  revision: string
  statuses: CommitStatus[]
}

export interface WaitDeps {
  /** The newest statuses of the revision; a transient failure throws an error with transient: true. */
  read: (revision: string) => Promise<CommitStatus[]>
  /**
   * The branch's newer revision that includes the commit, if any. Argo CD syncs the newest
   * revision it sees: when another commit landed on top before it polled, the status lands on that
   * one, and this commit gets none.
   */
  newer?: () => Promise<NewerRevision | undefined>
  now?: () => number
  sleep?: (ms: number) => Promise<void>
  /** Progress for the log: each poll's verdict, and reads that failed but may succeed later. */
  onPoll?: (poll: number, judged: Judged) => void
  /** A read that may succeed later; `waitMs` is the wait before the next poll when the server asked for one (a rate limit). */
  onTransientError?: (error: unknown, poll: number, waitMs?: number) => void
  onNewer?: (poll: number, revision: string, verdict: Verdict) => void
}

/** An error the poll should outlast (HTTP 429/5xx, a dropped connection). */
export function isTransientReadError(error: unknown): boolean {
  return (error as { transient?: unknown } | null)?.transient === true
}

/**
 * Polls until a status decides or the timeout passes; the last poll happens at the deadline. A read
 * that carries a server-given wait (a rate limit's minDelayMs) delays the next poll by at least that
 * much; when that is past the deadline, the state is unknown at once, rather than a wait past the timeout.
 */
export async function waitForStatus(request: WaitRequest, deps: WaitDeps): Promise<WaitResult> {
  const now = deps.now ?? Date.now
  const wait = deps.sleep ?? sleep
  const start = now()
  const deadline = start + request.timeoutSeconds * 1000
  const ignored = new Map<string, CommitStatus>()
  let pending: CommitStatus | undefined
  const result = (state: SyncState, polls: number, status?: CommitStatus, syncedRevision = request.revision, readError?: string): WaitResult => ({
    state,
    application: request.application,
    context: request.context,
    revision: request.revision,
    syncedRevision,
    seconds: Math.round((now() - start) / 1000),
    polls,
    status,
    ignored: [...ignored.values()],
    ...(readError === undefined ? {} : { readError }),
  })
  for (let poll = 1; ; poll++) {
    let asked = 0
    try {
      const judged = judge(await deps.read(request.revision), request.context, request.revision)
      for (const s of judged.ignored) ignored.set(`${s.description}|${s.state}|${s.updated_at ?? ''}`, s)
      deps.onPoll?.(poll, judged)
      const { verdict } = judged
      if (verdict.kind !== 'waiting') return result(verdict.kind, poll, verdict.status)
      pending = verdict.pending ?? pending
      // Not decided on the commit itself: a newer revision that includes it may have been synced instead.
      const newer = await deps.newer?.()
      if (newer) {
        const later = judge(newer.statuses, request.context, newer.revision).verdict
        deps.onNewer?.(poll, newer.revision, later)
        if (later.kind !== 'waiting') return result(later.kind, poll, later.status, newer.revision)
        pending = later.pending ?? pending
      }
    } catch (error) {
      // Polling again would be refused again: the state stays unknown, returned so the receipt records it.
      if (!isTransientReadError(error)) return result('unknown', poll, pending, request.revision, errorMessage(error))
      asked = serverDelayMs(error)
      const remaining = deadline - now()
      if (asked > remaining) {
        return result('unknown', poll, pending, request.revision, `${errorMessage(error)}, after wait-timeout ends (${Math.max(0, Math.ceil(remaining / 1000))} s left): not waiting past it`)
      }
      deps.onTransientError?.(error, poll, asked > 0 ? Math.max(asked, request.intervalSeconds * 1000) : undefined)
    }
    const left = deadline - now()
    if (left <= 0) return result('timeout', poll, pending)
    await wait(Math.min(Math.max(request.intervalSeconds * 1000, asked), left))
  }
}

/** On timeout: the last status seen (with its link in the failure message), or that none was set. */
function lastSeen(result: WaitResult, link: string): string {
  return result.status ? `the last status was ${result.status.state}: "${result.status.description ?? ''}"${link}` : `no status "${result.context}" was set on the commit`
}

const ignoredNote = (result: WaitResult): string => (result.ignored.length > 0 ? `; ignored ${result.ignored.length} status${result.ignored.length === 1 ? '' : 'es'} about another revision` : '')

/** What was seen, after the state: the deciding status's words, the last one seen, or the read that failed. */
export function waitDetail(result: WaitResult): string {
  if (result.state === 'unknown') return `its commit statuses could not be read: ${result.readError ?? ''}`
  if (result.state === 'timeout') return `${lastSeen(result, '')}${ignoredNote(result)}`
  return `"${result.status?.description ?? ''}"`
}

/** The step's failure message: the Application, the revision and the state reached. */
export function waitFailureMessage(result: WaitResult, timeoutSeconds: number): string {
  const at = result.syncedRevision === result.revision ? result.revision : `${result.syncedRevision} (which includes ${result.revision})`
  const where = `Argo CD Application ${result.application} at revision ${at}`
  const link = result.status?.target_url ? ` (${result.status.target_url})` : ''
  if (result.state === 'timeout') {
    return `${where}: timeout after ${timeoutSeconds} s waiting for Argo CD's commit status; ${lastSeen(result, link)}${ignoredNote(result)}. Check that Argo CD Notifications is configured (k8s-specifications/argocd/notifications-cm.yaml) and that the Application tracks the branch this commit landed on.`
  }
  if (result.state === 'unknown') return `${where}: unknown: ${waitDetail(result)}`
  return `${where}: ${result.state}: ${waitDetail(result)}${link}`
}
