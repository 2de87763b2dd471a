// Pure: from the per-option counts PostgreSQL returns to what the page shows.
import { isChoice, type Choice } from '@aks-gitops/app-shared'

export interface Tally {
  a: number
  b: number
  total: number
  /** Whole percentages that add up to 100 (50/50 before the first vote). */
  percentA: number
  percentB: number
}

export function computeTally(rows: { vote: string; count: number | string }[]): Tally {
  const counts: Record<Choice, number> = { a: 0, b: 0 }
  for (const row of rows) if (isChoice(row.vote)) counts[row.vote] += Number(row.count)
  const { a, b } = counts
  const total = a + b
  const percentA = total === 0 ? 50 : Math.round((a * 100) / total)
  return { a, b, total, percentA, percentB: 100 - percentA }
}

export function sameTally(x: Tally | undefined, y: Tally): boolean {
  return !!x && x.a === y.a && x.b === y.b
}
