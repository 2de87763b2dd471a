// The deployment receipt bump-manifest outputs (README "Safe deploys"), as the local pipeline's
// summary prints it. Pure: the receipt is JSON the bundle printed; this only lays it out.

interface ReceiptJson {
  service?: string
  environment?: string
  image?: string
  digest?: string
  platforms?: string[]
  attestations?: string
  commit?: string
  previousImage?: string[]
  order?: string
  decision?: string
  refused?: string
  hold?: { state?: string; change?: string; image?: string; by?: string; run?: string; at?: string }
  sync?: { status?: string; seconds?: number; detail?: string }
  stages?: { name: string; seconds: number }[]
}

const INDENT = ' '.repeat(13)

/** The receipt as summary lines: `  receipt    ...` then one indented line per field. */
export function receiptLines(raw: Record<string, unknown>): string[] {
  const r = raw as ReceiptJson
  const hold = r.hold?.state === 'held' ? `held at ${r.hold.image ?? '?'}${r.hold.by ? ` by ${r.hold.by}` : ''}${r.hold.run ? ` (${r.hold.run})` : ''} (${r.hold.change ?? ''})` : `not held${r.hold?.change === 'released by this deploy' ? ' (released by this deploy)' : ''}`
  const sync = `${r.sync?.status ?? '?'}${r.sync?.seconds !== undefined ? ` after ${r.sync.seconds} s` : ''}${r.sync?.detail ? `: ${r.sync.detail}` : ''}`
  const fields: [string, string][] = [
    ['image', `${r.image ?? ''}${r.digest ? `@${r.digest}` : ''}`],
    ['platforms', (r.platforms ?? []).join(', ') || '(not given)'],
    ['attestations', r.attestations || '(not given)'],
    ['commit', r.commit || (r.refused ? `none: refused (${r.refused})` : 'none: already pinned')],
    ['previous', (r.previousImage ?? []).join(', ') || '(none)'],
    ['order', `${r.order ?? '?'}: ${r.decision ?? ''}`],
    ['hold', hold],
    ['sync', sync],
    ['stages', (r.stages ?? []).map((s) => `${s.name} ${s.seconds} s`).join(', ')],
  ]
  return [`  receipt    ${r.service ?? '?'} → ${r.environment || '?'}`, ...fields.map(([k, v]) => `${INDENT}${k.padEnd(13)}${v}`)]
}
