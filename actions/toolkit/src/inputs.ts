// Helpers that read action inputs through @actions/core and turn bad values into
// one InputError naming the input, the value and what was expected.
import * as core from '@actions/core'
import { InputError } from './errors'

/** Splits a newline- or comma-separated list, trimming entries and dropping empty ones and `#` comments. */
export function splitList(text: string): string[] {
  return text
    .split(/[\r\n,]+/)
    .map((item) => item.trim())
    .filter((item) => item !== '' && !item.startsWith('#'))
}

/**
 * Parses `KEY=VALUE` lines (build arguments, labels): only newlines separate entries, so values may
 * hold commas and `=`; blank lines and `#` comments are skipped. Returns the pairs in order, or
 * throws with the offending line and why. `what` names one entry in that message.
 */
export function parseKeyValueLines(text: string, what: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const key = eq < 0 ? line : line.slice(0, eq).trim()
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new Error(`"${line}" is not ${what} (expected KEY=VALUE, one per line)`)
    }
    pairs.push([key, line.slice(eq + 1)])
  }
  return pairs
}

export function getString(name: string, options: { required?: boolean; default?: string } = {}): string {
  const value = core.getInput(name, { trimWhitespace: true })
  if (value === '') {
    if (options.required) throw new InputError(name, 'is required and was not given')
    return options.default ?? ''
  }
  return value
}

export function getList(name: string, options: { required?: boolean } = {}): string[] {
  const items = splitList(core.getInput(name))
  if (options.required && items.length === 0) throw new InputError(name, 'is required: give one or more values, one per line or comma-separated')
  return items
}

/** A YAML 1.2 core boolean (true/True/TRUE/false/False/FALSE), or the default when empty. */
export function getBoolean(name: string, defaultValue: boolean): boolean {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  if (['true', 'True', 'TRUE'].includes(value)) return true
  if (['false', 'False', 'FALSE'].includes(value)) return false
  throw new InputError(name, `"${value}" is not a boolean (expected true or false)`)
}

export function getInteger(name: string, defaultValue: number, range: { min: number; max: number }): number {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  if (!/^[0-9]+$/.test(value)) throw new InputError(name, `"${value}" is not a whole number`)
  const n = Number(value)
  if (n < range.min || n > range.max) throw new InputError(name, `${n} is out of range (expected ${range.min} to ${range.max})`)
  return n
}

export function getChoice<T extends string>(name: string, choices: readonly T[], defaultValue: T): T {
  const value = core.getInput(name).trim()
  if (value === '') return defaultValue
  if (!(choices as readonly string[]).includes(value)) {
    throw new InputError(name, `"${value}" is not one of ${choices.join(', ')}`)
  }
  return value as T
}
