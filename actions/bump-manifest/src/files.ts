// Reading and writing the manifest files: glob expansion inside the working directory, and a
// two-phase write (every temporary file first, then the renames) so a failure leaves nothing
// half-written.
import { readFileSync, renameSync, rmSync, statSync, writeFileSync, chmodSync, realpathSync } from 'node:fs'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { InputError, expandEntry, isGlob } from '@aks-gitops/toolkit'

export interface ManifestFile {
  /** As shown to people and in outputs: relative to the working directory, forward slashes. */
  path: string
  absolute: string
  text: string
  glob: boolean
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path)
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel)
}

export interface FileEntry {
  path: string
  /** Found by a glob: a file without a match is skipped rather than refused. */
  glob: boolean
}

/** Expands the files input: literal paths must exist, globs must match; all must stay inside the working directory. */
export function expandFiles(workingDirectory: string, patterns: readonly string[]): FileEntry[] {
  let root: string
  try {
    root = realpathSync(workingDirectory)
  } catch {
    throw new InputError('working-directory', `"${workingDirectory}" does not exist`)
  }
  const found = new Map<string, boolean>()
  for (const pattern of patterns) {
    const files = expandEntry(pattern, root).filter((file) => {
      try {
        return statSync(file).isFile()
      } catch {
        return false
      }
    })
    if (files.length === 0) {
      throw new InputError('files', isGlob(pattern) ? `"${pattern}" matches no file in ${root}` : `"${pattern}" does not exist in ${root}`)
    }
    for (const file of files) {
      const real = realpathSync(file)
      if (!inside(root, real)) throw new InputError('files', `"${pattern}" points outside the working directory ${root}`)
      found.set(real, (found.get(real) ?? true) && isGlob(pattern))
    }
  }
  return [...found.keys()].sort().map((file) => ({ path: relative(root, file).split(sep).join('/'), glob: found.get(file) as boolean }))
}

export function readManifests(workingDirectory: string, entries: readonly FileEntry[]): ManifestFile[] {
  const root = realpathSync(workingDirectory)
  return entries.map(({ path, glob }) => {
    const absolute = resolve(root, path)
    return { path, glob, absolute, text: readFileSync(absolute, 'utf8') }
  })
}

/** Writes every file or none: all temporary files first, then the renames (atomic per file). */
export function writeManifests(files: readonly { absolute: string; text: string }[]): void {
  const staged: { temp: string; target: string }[] = []
  try {
    for (const file of files) {
      const temp = `${file.absolute}.bump-manifest-${process.pid}.tmp`
      writeFileSync(temp, file.text)
      chmodSync(temp, statSync(file.absolute).mode & 0o7777)
      staged.push({ temp, target: file.absolute })
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true })
    throw error
  }
  for (const { temp, target } of staged) renameSync(temp, target)
}
