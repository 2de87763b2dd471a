// What the step reports: output values and the job summary table. Pure: builds data and text.
import type { FilePlan } from './plan'
import type { AutoMergeResult } from './pull-request'

export interface PreviousImage {
  file: string
  location: string
  target: string
  previous: string
  updated: string
}

export function previousImages(plans: readonly FilePlan[]): PreviousImage[] {
  return plans.flatMap((plan) =>
    plan.changes.map((c) => ({ file: plan.path, location: c.location, target: c.target, previous: c.previous, updated: c.updated })),
  )
}

export function updatedFiles(plans: readonly FilePlan[]): string[] {
  return plans.filter((plan) => plan.updated !== plan.original).map((plan) => plan.path)
}

export interface Outcome {
  changed: boolean
  dryRun: boolean
  commit?: string
  branch?: string
  pushed: boolean
  pullRequestUrl?: string
  attempts: number
  /** The commit was created through GitHub's Git Data API (commit-method api). */
  viaApi?: boolean
  /** Requested auto-merge and what came of it. */
  autoMerge?: { method: string } & AutoMergeResult
  /** The order or hold check refused the deploy (older, held): why nothing was committed. */
  refused?: string
}

function autoMergeLine(autoMerge: NonNullable<Outcome['autoMerge']>): string {
  if (autoMerge.state === 'enabled') return `Auto-merge (${autoMerge.method}) enabled: GitHub merges the pull request once its required reviews and checks pass.`
  return `Auto-merge (${autoMerge.method}) not enabled: ${cell(autoMerge.reason ?? autoMerge.state)}. The pull request stays open.`
}

/** Text safe inside a markdown table cell: no pipe, no line break. */
export function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ')
}

/** Markdown for the job summary: a table of file, container, old image, new image, and what happened. */
export function summaryMarkdown(plans: readonly FilePlan[], outcome: Outcome): string {
  const rows = previousImages(plans)
  const lines = ['### bump-manifest', '']
  if (rows.length > 0) {
    lines.push('| file | container | old image | new image |', '| --- | --- | --- | --- |')
    for (const row of rows) {
      const same = row.previous === row.updated
      lines.push(`| ${cell(row.file)} | ${cell(row.location)} | \`${cell(row.previous)}\` | ${same ? '(unchanged)' : `\`${cell(row.updated)}\``} |`)
    }
    lines.push('')
  }
  if (outcome.dryRun) lines.push('Dry run: nothing was written, committed or pushed.')
  else if (outcome.refused) lines.push(`No commit: the deploy was refused (${cell(outcome.refused)}); see **Not deployed** below.`)
  else if (!outcome.changed) lines.push('Every reference was already up to date: no commit.')
  else if (outcome.pullRequestUrl) {
    lines.push(`Pull request: ${outcome.pullRequestUrl} (commit \`${outcome.commit}\`${outcome.viaApi ? ', created and signed by GitHub through its API' : ''}).`)
    if (outcome.autoMerge) lines.push('', autoMergeLine(outcome.autoMerge))
  } else if (outcome.commit) {
    const how = outcome.viaApi ? 'created through the GitHub API (signed by GitHub) on' : outcome.pushed ? 'pushed to' : 'made on'
    lines.push(`Commit \`${outcome.commit}\` ${how} \`${outcome.branch}\` in ${outcome.attempts} attempt${outcome.attempts === 1 ? '' : 's'}.`)
  } else lines.push('Files edited in the work tree (commit: false).')
  return `${lines.join('\n')}\n`
}
