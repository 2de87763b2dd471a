// GitHub's filter patterns for branches, tags and paths, as its "Filter pattern cheat sheet"
// defines them. They are not shell globs: `?` and `+` quantify the preceding character
// (`*.jsx?` matches a.js and a.jsx), `*` stops at `/`, `**` does not, `[]` is a character class,
// a leading `!` negates, and `\` escapes. Later patterns override earlier ones.

const REGEX_SPECIAL = /[.*+?^${}()|[\]\\/]/g

/** Turns one pattern (without its leading `!`) into an anchored regular expression. */
export function filterPatternToRegExp(pattern: string): RegExp {
  const atoms: string[] = []
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string
    if (c === '\\') {
      const next = pattern[i + 1]
      if (next === undefined) throw new Error(`filter pattern '${pattern}' ends with a lone backslash`)
      atoms.push(next.replace(REGEX_SPECIAL, '\\$&'))
      i++
    } else if (c === '*') {
      if (pattern[i + 1] === '*') {
        atoms.push('.*')
        i++
      } else {
        atoms.push('[^/]*')
      }
    } else if (c === '?' || c === '+') {
      const last = atoms.pop()
      if (last === undefined) throw new Error(`filter pattern '${pattern}' starts with '${c}'`)
      atoms.push(`(?:${last})${c}`)
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 1)
      if (end < 0) throw new Error(`filter pattern '${pattern}' has an unclosed '['`)
      const body = pattern.slice(i + 1, end)
      if (!/^[A-Za-z0-9-]+$/.test(body)) {
        throw new Error(`filter pattern '${pattern}': brackets take only letters, digits and ranges`)
      }
      atoms.push(`[${body}]`)
      i = end
    } else {
      atoms.push(c.replace(REGEX_SPECIAL, '\\$&'))
    }
  }
  return new RegExp(`^${atoms.join('')}$`)
}

/**
 * Whether `value` is selected by an ordered list of patterns: each matching pattern sets the
 * result, positive ones to true and `!` ones to false, so the last match wins.
 */
export function matchesFilters(patterns: readonly string[], value: string): boolean {
  let selected = false
  for (const raw of patterns) {
    const negated = raw.startsWith('!')
    const regex = filterPatternToRegExp(negated ? raw.slice(1) : raw)
    if (regex.test(value)) selected = !negated
  }
  return selected
}
