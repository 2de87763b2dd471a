// The deployment receipt bump-manifest outputs (README "One deployment receipt"), read back with
// the toolkit's parseReceipt and laid out for the local pipeline's summary, with the words the job
// summary's table uses. Pure.
import { errorMessage, noCommitText, notHeldText, parseReceipt, stagesText, syncHeadline, type Receipt } from '@aks-gitops/toolkit'
import { StepError } from './step-error'

/** bump-manifest's `receipt` output, checked: a bundle that writes another shape fails the deploy step with one error. */
export function readReceipt(text: string): Receipt {
  try {
    return parseReceipt(text)
  } catch (error) {
    throw new StepError('deploy', `bump-manifest's receipt output is ${errorMessage(error)}`, 'the committed bundle and the toolkit disagree on the receipt: rebuild it (pnpm --filter @aks-gitops/bump-manifest run build)')
  }
}

const INDENT = ' '.repeat(13)

/** The receipt as summary lines: `  receipt    ...` then one indented line per field. */
export function receiptLines(r: Receipt): string[] {
  const hold = r.hold.state === 'held' ? `held at ${r.hold.image ?? '?'}${r.hold.by ? ` by ${r.hold.by}` : ''}${r.hold.run ? ` (${r.hold.run})` : ''} (${r.hold.change})` : notHeldText(r.hold)
  const sync = `${syncHeadline(r.sync)}${r.sync.detail ? `: ${r.sync.detail}` : ''}`
  const fields: [string, string][] = [
    ['image', `${r.image}${r.digest ? `@${r.digest}` : ''}`],
    ['platforms', r.platforms.join(', ') || '(not given)'],
    ['attestations', r.attestations || '(not given)'],
    ['commit', r.commit || noCommitText(r.refused)],
    ['previous', r.previousImage.join(', ') || '(none)'],
    ['order', `${r.order}: ${r.decision}`],
    ['hold', hold],
    ['sync', sync],
    ['stages', stagesText(r.stages)],
  ]
  return [`  receipt    ${r.service} → ${r.environment || '?'}`, ...fields.map(([k, v]) => `${INDENT}${k.padEnd(13)}${v}`)]
}
