// The deployment receipt: one record of what a deploy did, as the job summary's table and as the
// `receipt` output (JSON) for callers. Its shape is the toolkit's (receipt.ts), which the local
// pipeline reads back; this builds it from the guard and the wait, and lays it out. Pure.
import { noCommitText, notHeldText, repositoryUrl, stagesText, syncHeadline, type Receipt, type ReceiptHoldChange, type ReceiptStage, type ReceiptSync } from '@aks-gitops/toolkit'
import type { Guard } from './guard'
import { comparedWith, describeHold } from './guard-report'
import { cell } from './report'
import { waitDetail, type WaitResult } from './status-wait'

/** The state a wait reached, failed or not, as the receipt records it. */
export function syncOfWait(result: WaitResult): ReceiptSync {
  const answered = result.state !== 'timeout' && result.state !== 'unknown'
  const url = result.status?.target_url
  return {
    status: result.state,
    seconds: result.seconds,
    application: result.application,
    revision: result.revision,
    ...(answered ? { syncedRevision: result.syncedRevision } : {}),
    ...(url ? { url } : {}),
    detail: waitDetail(result),
  }
}

export interface ReceiptInput {
  service: string
  environment?: string
  image: string
  digest?: string
  platforms: readonly string[]
  attestations?: string
  commit?: string
  serverUrl: string
  repository?: string
  pullRequest?: string
  guard: Guard
  sync: ReceiptSync
  stages: readonly ReceiptStage[]
}

// The manifest commit's page: the toolkit's repository URL (GHES too), then /commit/<sha>.
function commitUrl(input: ReceiptInput): string {
  const repository = repositoryUrl({ GITHUB_SERVER_URL: input.serverUrl, GITHUB_REPOSITORY: input.repository })
  return input.commit && repository ? `${repository}/commit/${input.commit}` : ''
}

export function buildReceipt(input: ReceiptInput): Receipt {
  const { guard } = input
  const after = guard.after
  const change: ReceiptHoldChange = guard.decision.hold === 'set' ? 'set by this deploy' : guard.decision.hold === 'clear' ? 'released by this deploy' : guard.decision.hold === 'keep' ? 'kept' : 'none'
  return {
    service: input.service,
    environment: input.environment ?? '',
    image: input.image,
    digest: input.digest ?? '',
    platforms: [...input.platforms],
    attestations: input.attestations ?? '',
    commit: input.commit ?? '',
    commitUrl: commitUrl(input),
    pullRequest: input.pullRequest ?? '',
    previousImage: guard.deployed.map((d) => d.reference),
    order: guard.verdict.order,
    decision: guard.decision.why,
    comparedWith: comparedWith(guard),
    refused: guard.decision.refused ?? '',
    hold: after ? { state: 'held', change, image: after.image, ...(after.by ? { by: after.by } : {}), ...(after.run ? { run: after.run } : {}), ...(after.at ? { at: after.at } : {}) } : { state: 'not held', change },
    sync: input.sync,
    stages: input.stages.map((s) => ({ name: s.name, seconds: Math.round(s.seconds * 10) / 10 })),
  }
}

const short = (sha: string): string => sha.slice(0, 12)

/** The sync status row: the state, the seconds, the Application and the revision, what was seen, the link. */
function syncText(s: ReceiptSync): string {
  const at = s.application && s.revision ? `Argo CD Application ${s.application} at ${s.syncedRevision && s.syncedRevision !== s.revision ? `${short(s.syncedRevision)} (which includes ${short(s.revision)})` : short(s.revision)}` : ''
  const said = [at, s.detail].filter(Boolean).join(': ')
  return `${syncHeadline(s)}${said ? `: ${said}` : ''}${s.url ? ` ([Argo CD](${s.url}))` : ''}`
}

const code = (text: string): string => (text ? `\`${cell(text)}\`` : '')

/** The receipt as one two-column table. */
export function receiptMarkdown(r: Receipt): string {
  const commit = r.commit ? (r.commitUrl ? `[\`${r.commit.slice(0, 12)}\`](${r.commitUrl})` : code(r.commit)) : noCommitText(r.refused)
  const hold = r.hold.state === 'held' ? `${describeHold({ service: r.service, image: r.hold.image ?? '', ...(r.hold.by ? { by: r.hold.by } : {}), ...(r.hold.run ? { run: r.hold.run } : {}), ...(r.hold.at ? { at: r.hold.at } : {}) })} (${r.hold.change})` : notHeldText(r.hold)
  const sync = syncText(r.sync)
  const rows: [string, string][] = [
    ['service', cell(r.service)],
    ['environment', cell(r.environment || '(not named)')],
    ['image', code(r.image)],
    ['digest', code(r.digest) || '(none)'],
    ['platforms', cell(r.platforms.join(', ') || '(not given)')],
    ['attestations', cell(r.attestations || '(not given)')],
    ['manifest commit', `${commit}${r.pullRequest ? ` (pull request ${r.pullRequest})` : ''}`],
    ['previous image', r.previousImage.map(code).join(', ') || '(none)'],
    ['order', cell(r.order)],
    ['decision', cell(r.decision)],
    ['compared with', cell(r.comparedWith)],
    ['hold', cell(hold)],
    ['sync status', cell(sync)],
    ['stages', cell(stagesText(r.stages) || '(none timed)')],
  ]
  return ['### Deployment receipt', '', '| | |', '| --- | --- |', ...rows.map(([k, v]) => `| ${k} | ${v} |`), ''].join('\n')
}
