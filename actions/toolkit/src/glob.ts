// File inputs that take paths or globs (bump-manifest's `files`, acr-push's
// `release-staging-manifest`): which entries are globs, and what they match. node:fs's globSync
// syntax (`*`, `**`, `?`, `[...]`, `{a,b}`), so both actions read an entry the same way.
import { globSync } from 'node:fs'
import { resolve } from 'node:path'

const GLOB_CHARS = /[*?[\]{}]/

/** Whether an entry is a glob rather than a literal path. */
export function isGlob(entry: string): boolean {
  return GLOB_CHARS.test(entry)
}

/** The absolute paths an entry names under `cwd`: what a glob matches, sorted, or the literal path itself. */
export function expandEntry(entry: string, cwd: string): string[] {
  if (!isGlob(entry)) return [resolve(cwd, entry)]
  return globSync(entry, { cwd })
    .map((match) => resolve(cwd, match))
    .sort()
}
