// The job summary a person reads: what went where, under which digest, for which platforms, and
// how many bytes travelled.
import * as core from '@actions/core'
import { formatBytes } from '@aks-gitops/toolkit'
import { figuresBasis, type TransferFigures } from './transfer'

export interface Report {
  source: string
  destination?: string
  image: string
  digest: string
  tags: string[]
  platforms: string[]
  route: string
  transfer?: TransferFigures
  verifyOnly: boolean
}

const METHOD: Record<TransferFigures['method'], string> = {
  'skopeo-log': 'measured per blob, from skopeo\'s log of its uploads, mounts and skips',
  'buildx-mount':
    'inferred, not measured: buildx imagetools reports nothing per blob; within one registry it mounts each blob from the source repository or finds it present, and would upload only a blob the registry refused to mount',
  none: 'nothing copied: the digest was already in the destination repository',
}

export function transferLines(t: TransferFigures): string[] {
  const mountedLabel = t.method === 'buildx-mount' ? 'mounted or already present' : 'mounted'
  return [
    `uploaded: ${formatBytes(t.uploadedBytes)} (${t.uploadedBytes} bytes, ${t.uploadedBlobs} blobs)`,
    `${mountedLabel}: ${formatBytes(t.mountedBytes)} (${t.mountedBytes} bytes, ${t.mountedBlobs} blobs)`,
    ...(t.method === 'skopeo-log' ? [`already present: ${formatBytes(t.presentBytes)} (${t.presentBytes} bytes, ${t.presentBlobs} blobs)`] : []),
    `image blobs in total: ${formatBytes(t.totalBytes)} (${t.totalBlobs} blobs); figures ${METHOD[t.method]}`,
  ]
}

export async function writeSummary(report: Report): Promise<void> {
  const rows = [
    [{ data: 'what', header: true }, { data: 'value', header: true }],
    ['source', `<code>${report.source}</code>`],
    ...(report.destination ? [['destination', `<code>${report.destination}</code>`]] : []),
    ['image', `<code>${report.image}</code>`],
    ['tags', report.tags.map((t) => `<code>${t}</code>`).join('<br>') || '(none: pushed by digest only)'],
    ['platforms', report.platforms.join(', ')],
    ['route', report.route],
  ]
  if (report.transfer) {
    const t = report.transfer
    const basis = figuresBasis(t) === 'inferred' ? ' (inferred)' : ''
    rows.push([`bytes uploaded${basis}`, `${formatBytes(t.uploadedBytes)} (${t.uploadedBytes} bytes, ${t.uploadedBlobs} blobs)`])
    rows.push([`${t.method === 'buildx-mount' ? 'bytes mounted or already present' : 'bytes mounted'}${basis}`, `${formatBytes(t.mountedBytes)} (${t.mountedBytes} bytes, ${t.mountedBlobs} blobs)`])
    if (t.method === 'skopeo-log') rows.push(['bytes already present', `${formatBytes(t.presentBytes)} (${t.presentBytes} bytes, ${t.presentBlobs} blobs)`])
  }
  const summary = core.summary.addHeading(report.verifyOnly ? 'acr-push: image verified' : 'acr-push: image published', 3).addTable(rows)
  if (report.transfer) summary.addRaw(`<p>Byte figures (${figuresBasis(report.transfer)}): ${METHOD[report.transfer.method]}.</p>`, true)
  await summary.write()
}
