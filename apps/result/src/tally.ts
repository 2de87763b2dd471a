// Pure: from the per-option counts PostgreSQL returns to what the page shows.

export interface Tally {
  a: number
  b: number
  total: number
  /** Whole percentages that add up to 100 (50/50 before the first vote). */
  percentA: number
  percentB: number
}

export function computeTally(rows: { vote: string; count: number | string }[]): Tally {
  let a = 0
  let b = 0
  for (const row of rows) {
    const n = Number(row.count)
    if (row.vote === 'a') a += n
    else if (row.vote === 'b') b += n
  }
  const total = a + b
  const percentA = total === 0 ? 50 : Math.round((a * 100) / total)
  return { a, b, total, percentA, percentB: 100 - percentA }
}

export function sameTally(x: Tally | undefined, y: Tally): boolean {
  return !!x && x.a === y.a && x.b === y.b
}
