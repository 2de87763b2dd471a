// What the guard (guard.ts) reports: its outputs and its lines of the job summary. Pure.
import type { Guard } from './guard'
import { holdValue, type Hold } from './hold'
import { cell } from './report'

export function guardOutputs(guard: Guard): Record<string, string> {
  return {
    refused: guard.decision.refused ?? '',
    order: guard.verdict.order,
    hold: guard.after ? JSON.stringify({ service: guard.after.service, ...JSON.parse(holdValue(guard.after)) }) : '',
    'pinned-tag': guard.candidate.tag ?? '',
    'pinned-digest': guard.candidate.digest ?? '',
  }
}


/** What the new image was compared with: the files as checked out, or an open pull request's branch. */
export function comparedWith(guard: Guard): string {
  const { against } = guard
  if (!against) return 'the pins of the files as checked out'
  return `the pins on branch ${against.branch} of the open pull request ${against.pullRequest}, which is what merges`
}

/** `held at IMAGE by ACTOR (run URL) since AT`, or `not held`. */
export function describeHold(hold: Hold | undefined): string {
  if (!hold) return 'not held'
  const by = hold.by ? ` by ${hold.by}` : ''
  const run = hold.run ? ` in ${hold.run}` : ''
  const at = hold.at ? ` since ${hold.at}` : ''
  return `held at \`${hold.image}\`${by}${run}${at}`
}

function holdChange(guard: Guard): string {
  switch (guard.decision.hold) {
    case 'set':
      return `set: ${describeHold(guard.after)}`
    case 'clear':
      return `released (was ${describeHold(guard.current)})`
    case 'keep':
      return describeHold(guard.current)
    default:
      return 'not held'
  }
}

/** The summary's safe-deploy lines: the order, the decision and the hold. */
export function guardMarkdown(guard: Guard): string {
  const { decision, verdict } = guard
  const deployed = guard.deployed.map((d) => `\`${d.reference}\``).join(', ') || 'nothing'
  const lines = ['', `| ${guard.against ? 'pinned on the pull request\'s branch' : 'deployed now'} | new image | order | hold |`, '| --- | --- | --- | --- |']
  lines.push(`| ${cell(deployed)} | \`${cell(guard.candidate.reference)}\` | ${verdict.order} (${cell(verdict.reason)}) | ${cell(holdChange(guard))} |`, '')
  if (decision.refused === 'held') lines.push(`**Skipped**: the service is ${cell(describeHold(guard.current))}; ${cell(decision.why.replace(/^held at [^:]*: /, ''))}.`)
  else if (decision.refused) lines.push(`**Not deployed**: ${cell(deployed)} stays; ${cell(decision.why)}.`)
  else if (verdict.order === 'unknown') lines.push(`**Order unknown**: ${cell(decision.why)}.`)
  if (guard.against) lines.push(`Compared with ${cell(comparedWith(guard))}.`)
  return `${lines.join('\n')}\n`
}
