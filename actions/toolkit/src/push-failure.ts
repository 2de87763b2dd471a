// What a failed push means: GitHub's and git's rejections sorted into kinds, what helps with each,
// and an error that leads with git's own reason line. Pure (no git call): git.ts runs the push.
import { TRANSIENT_HTTP_STATUS_PATTERN } from './transient-faults'

export type PushFailureKind =
  | 'non-fast-forward'
  | 'transient'
  | 'protected-branch'
  | 'secret-scanning'
  | 'large-file'
  | 'email-privacy'
  | 'pack-too-large'
  | 'hook-declined'
  | 'authentication'
  | 'other'

// GitHub's rejections, in the words its hooks print (quoted with their sources in the toolkit's
// git tests). Each is tested before the generic ones: GH013 covers both rulesets and secret
// scanning's push protection, and GitHub's hooks also end in "pre-receive hook declined".
const PUSH_FAILURE_RULES: readonly [PushFailureKind, RegExp][] = [
  // Push protection: "GH013: Repository rule violations found ... - GITHUB PUSH PROTECTION ... Push cannot contain secrets" (GH009 before rulesets).
  ['secret-scanning', /Push cannot contain secrets|GITHUB PUSH PROTECTION|\bGH009\b|secrets detected/i],
  // "GH001: Large files detected." / "this exceeds GitHub's file size limit of 100.00 MB".
  ['large-file', /error: GH001\b|exceeds GitHub's file size limit/i],
  // "GH007: Your push would publish a private email address." / "(push declined due to email privacy restrictions)".
  ['email-privacy', /\bGH007\b|email privacy restrictions|would publish a private email/i],
  // "remote: fatal: pack exceeds maximum allowed size (2.00 GiB)"; its porcelain status is "(failed)".
  ['pack-too-large', /pack exceeds maximum allowed size/i],
  // "GH006: Protected branch update failed", "GH013: Repository rule violations found" (the rule listed below it).
  ['protected-branch', /\bGH006\b|\bGH013\b|protected branch|repository rule violations/i],
  ['hook-declined', /pre-receive hook declined|hook declined|update hook|remote rejected\].*hook|\bGH0[0-9]{2}\b/i],
  ['authentication', /Authentication failed|could not read Username|HTTP 401|HTTP 403|returned error: 40[13]|Permission to .* denied|terminal prompts disabled|invalid credentials/i],
  // GitHub answers these while other pushes land on the same repository within seconds, or when it
  // is degraded: "(failure)" with "fatal error in commit_refs", "(failed)", a transient status
  // (transient-faults.ts: 408, 429, 5xx), DNS. The push may still have landed when the answer was
  // lost: publish() checks before pushing again.
  [
    'transient',
    new RegExp(
      String.raw`fatal error in commit_refs|\[remote rejected\][^\n]*\((failure|failed)\)|\[remote failure\]|remote failed to report status|RPC failed; (HTTP (${TRANSIENT_HTTP_STATUS_PATTERN})|curl)|returned error: (${TRANSIENT_HTTP_STATUS_PATTERN})|Could not resolve host|Connection (reset|refused|timed out)|Operation timed out|the remote end hung up unexpectedly|unexpected disconnect while reading sideband|Internal Server Error`,
      'i',
    ),
  ],
  // "fetch first"/"non-fast-forward": the remote has commits we lack. A lost ref-lock race on
  // the remote ("cannot lock ref", "incorrect old value") is the same situation seen a moment later.
  ['non-fast-forward', /non-fast-forward|\(fetch first\)|tip of your current branch is behind|cannot lock ref|failed to update ref|incorrect old value|stale info/i],
]

/** Sorts a failed push by its output. Only 'non-fast-forward' and 'transient' are worth another attempt. */
export function classifyPushFailure(output: string): PushFailureKind {
  return PUSH_FAILURE_RULES.find(([, pattern]) => pattern.test(output))?.[0] ?? 'other'
}

const PUSH_FAILURE_HELP: Record<PushFailureKind, string> = {
  'non-fast-forward': 'the remote branch moved (non-fast-forward)',
  transient: 'the server failed or could not be reached (a transient error)',
  'protected-branch':
    'a branch protection rule or ruleset refuses direct pushes; use pull-request mode, commit-method api (a signed commit, for "verified signatures" rules), or a token on the bypass list',
  'secret-scanning':
    "secret scanning's push protection found a secret in the pushed commit; remove it from the manifest (pull-request mode would be refused too), or allow it through the URL GitHub printed if it is a false positive",
  'large-file': 'a file in the push is over GitHub\'s 100 MB file size limit; keep large files out of the manifests repository (Git LFS)',
  'email-privacy':
    'the commit\'s e-mail address is private on GitHub (GH007); commit as a noreply address (ID+login@users.noreply.github.com, the default github-actions[bot] author) or allow it in the account\'s e-mail settings',
  'pack-too-large': 'the pushed pack is over the server\'s size limit (2 GB on GitHub); push less history at once',
  'hook-declined': 'a server-side hook declined the push',
  authentication: 'authentication failed; check the token and its permissions (contents: write)',
  other: 'git push failed',
}

// The rules a ruleset or protection rule lists under GH013/GH006 ("- Changes must be made through a
// pull request.", "- Required status check \"build\" is expected."), and the way around each.
const RULE_ADVICE: readonly [RegExp, string][] = [
  [/must be made through a pull request|approving review/i, 'a pull request is required: pull-request mode (with auto-merge)'],
  [/verified signatures/i, 'signed commits are required: commit-method api (GitHub signs those commits)'],
  [/status checks? .*(is|are) expected|required status checks?/i, 'status checks are required: pull-request mode with an App token, so the checks run on the pull request'],
  [/cannot update this protected ref|restrict(ed)? updates/i, 'updates are restricted: a token on the bypass list'],
]

/** What to do about a push failure of this kind; for a protection rule, what its listed rules call for. */
export function pushFailureHelp(kind: PushFailureKind, output = ''): string {
  const advice = kind === 'protected-branch' ? RULE_ADVICE.filter(([rule]) => rule.test(output)).map(([, text]) => text) : []
  return advice.length > 0 ? `${PUSH_FAILURE_HELP[kind]}. Here ${advice.join('; ')}` : PUSH_FAILURE_HELP[kind]
}

/**
 * The lines of a failed push worth showing, most telling first: git's porcelain status line
 * (`!<TAB>src:dst<TAB>[remote rejected] (reason)`) or its first error, then the whole `remote:`
 * block (a ruleset lists every rule it applies there, so nothing of it is dropped), then git's own
 * error and fatal lines. Progress, hints and "To <url>" are left out.
 */
function pushFailureDetail(output: string): string[] {
  const lines = output.split(/\r?\n/).map((line) => line.trimEnd())
  const status = lines.filter((line) => /^!\t/.test(line)).map((line) => line.replace(/^!\t/, '').replace(/\t/g, ' '))
  const remote = lines.filter((line) => /^remote:/.test(line))
  const errors = lines.filter((line) => /^(error|fatal):/.test(line) || /^ ! \[/.test(line))
  const first = status.length > 0 ? status : errors.slice(0, 1)
  return [...first, ...remote, ...errors.filter((line) => !first.includes(line))]
}

export class PushRejectedError extends Error {
  override name = 'PushRejectedError'
  constructor(
    readonly kind: PushFailureKind,
    readonly output: string,
    readonly refspec: string,
    /** The whole message, for pushes made another way (the REST ref update) that explain themselves. */
    message?: string,
  ) {
    const [reason, ...rest] = pushFailureDetail(output)
    super(message ?? [`push of ${refspec} rejected${reason ? `: ${reason}` : ''}`, pushFailureHelp(kind, output), ...rest].join('\n'))
  }
  get retryable(): boolean {
    return this.kind === 'non-fast-forward' || this.kind === 'transient'
  }
}

/** True for errors a fetch-rebuild-push cycle can fix. */
export function isRetryablePushError(error: unknown): boolean {
  return error instanceof PushRejectedError && error.retryable
}
