// The words of the deployment receipt that every rendering of it shares: bump-manifest's summary
// table and the local pipeline's summary lines say the same things about a deploy, each in its own
// layout (markdown cells there, plain text here). Pure.
import type { ReceiptHold, ReceiptStage, ReceiptSync } from './receipt'

/** Why no manifest commit landed: the refusal (older, held, ...), or the image was already pinned. */
export function noCommitText(refused: string): string {
  return refused ? `none: refused (${refused})` : 'none: already pinned'
}

/** The hold row when the service is not held; it says so when this deploy released the hold. */
export function notHeldText(hold: Pick<ReceiptHold, 'change'>): string {
  return `not held${hold.change === 'released by this deploy' ? ' (released by this deploy)' : ''}`
}

/** The sync row's start: Argo CD's word (or why none) and how long the wait took. */
export function syncHeadline(sync: Pick<ReceiptSync, 'status' | 'seconds'>): string {
  return `${sync.status}${sync.seconds !== undefined ? ` after ${sync.seconds} s` : ''}`
}

/** `NAME SECONDS s` per stage, in order; empty when none was timed. */
export function stagesText(stages: readonly ReceiptStage[]): string {
  return stages.map((s) => `${s.name} ${s.seconds} s`).join(', ')
}
