// What a commit SHA looks like, the one rule every caller shares. A full object name is 40 hex
// digits under SHA-1 and 64 under SHA-256, written in lowercase by git
// (https://git-scm.com/docs/hash-function-transition: "Object names" and the sha1/sha256 object
// formats). An abbreviated one is a prefix of at least 7 digits, git's default abbreviation and the
// length of this repository's `sha-<7>` tags. Each caller states at the call what it accepts:
// abbreviations or full names only, SHA-256 too or SHA-1 only, uppercase too or lowercase only.

export type ObjectFormat = 'sha1' | 'sha256'

/** Hex digits of a full object name per object format. */
export const FULL_SHA_LENGTH: Readonly<Record<ObjectFormat, number>> = { sha1: 40, sha256: 64 }
/** The shortest abbreviation accepted: git's default `core.abbrev` (and `sha-<7>`). */
export const MIN_ABBREVIATED_SHA_LENGTH = 7

export interface CommitShaOptions {
  /** Accept a prefix of MIN_ABBREVIATED_SHA_LENGTH digits up to a full name; default full names only. */
  abbreviated?: boolean
  /** Only SHA-1 (40 digits; GitHub's repositories are SHA-1); default SHA-1 and SHA-256. */
  sha1Only?: boolean
  /** Accept A-F too (text a person or another tool wrote); default lowercase only, as git writes. */
  anyCase?: boolean
}

function fullLengths(options: CommitShaOptions): number[] {
  return options.sha1Only ? [FULL_SHA_LENGTH.sha1] : [FULL_SHA_LENGTH.sha1, FULL_SHA_LENGTH.sha256]
}

/** Whether `text` is a commit SHA of the shape `options` asks for. */
export function isCommitSha(text: string, options: CommitShaOptions = {}): boolean {
  if (!(options.anyCase ? /^[0-9a-f]+$/i : /^[0-9a-f]+$/).test(text)) return false
  const lengths = fullLengths(options)
  if (!options.abbreviated) return lengths.includes(text.length)
  return text.length >= MIN_ABBREVIATED_SHA_LENGTH && text.length <= Math.max(...lengths)
}

/** What isCommitSha accepts with these options, for messages: "7 to 64 lowercase hex digits". */
export function commitShaExpected(options: CommitShaOptions = {}): string {
  const lengths = fullLengths(options)
  const count = options.abbreviated ? `${MIN_ABBREVIATED_SHA_LENGTH} to ${Math.max(...lengths)}` : lengths.join(' or ')
  return `${count} ${options.anyCase ? '' : 'lowercase '}hex digits`
}
