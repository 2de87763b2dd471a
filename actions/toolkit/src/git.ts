// One place for every git call an action makes, in the spirit of actions/checkout's
// git-command-manager: argv built here, `try*` variants for calls that may fail harmlessly,
// and authentication carried by the environment only (never argv, a URL or .git/config).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as core from '@actions/core'
import { execute, type ExecResult } from './exec'

export interface ConfigEntry {
  key: string
  value: string
}

export interface GitAuth {
  token: string
  /** Server whose URLs get the header, e.g. https://github.com (GITHUB_SERVER_URL). */
  serverUrl: string
}

export interface GitOptions {
  /** Extra environment for every git call (added to process.env). */
  env?: Record<string, string | undefined>
  auth?: GitAuth
  /** Log each command line with core.info (the default); argv never holds a secret. */
  quiet?: boolean
}

export interface Identity {
  name: string
  email: string
}

/** The form GitHub's git HTTP endpoint accepts: base64 of `x-access-token:TOKEN`. */
export function basicCredential(token: string): string {
  return Buffer.from(`x-access-token:${token}`, 'utf8').toString('base64')
}

/** Masks the token and every derived form before anything can print them. */
export function maskToken(token: string): void {
  core.setSecret(token)
  core.setSecret(basicCredential(token))
}

/**
 * Config entries that authenticate git to `serverUrl`. The empty value first resets an
 * extraheader a previous step (actions/checkout) may have set for the same URL: git sends every
 * extraheader value it collects, and two Authorization headers make the server refuse the request.
 */
export function authConfigEntries(auth: GitAuth): ConfigEntry[] {
  const origin = new URL(auth.serverUrl).origin
  const key = `http.${origin}/.extraheader`
  return [
    { key, value: '' },
    { key, value: `AUTHORIZATION: basic ${basicCredential(auth.token)}` },
  ]
}

/**
 * Environment variables that add `entries` through GIT_CONFIG_COUNT/KEY_n/VALUE_n (git >= 2.31).
 * An existing GIT_CONFIG_COUNT (set by the runner or an earlier step) is extended, not replaced.
 */
export function configEnvironment(base: Record<string, string | undefined>, entries: readonly ConfigEntry[]): Record<string, string> {
  const existing = base.GIT_CONFIG_COUNT
  const start = existing !== undefined && /^[0-9]+$/.test(existing) ? Number(existing) : 0
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(start + entries.length) }
  entries.forEach((entry, i) => {
    env[`GIT_CONFIG_KEY_${start + i}`] = entry.key
    env[`GIT_CONFIG_VALUE_${start + i}`] = entry.value
  })
  return env
}

export type PushFailureKind = 'non-fast-forward' | 'protected-branch' | 'hook-declined' | 'authentication' | 'other'

/** Sorts a failed push by its output. Only 'non-fast-forward' (the remote moved) is worth a retry. */
export function classifyPushFailure(output: string): PushFailureKind {
  // Protected branches and rulesets are refused by a hook on GitHub, so test them first.
  if (/\bGH00[0-9]\b|\bGH01[0-9]\b|protected branch|rule violations?/i.test(output)) return 'protected-branch'
  if (/pre-receive hook declined|hook declined|update hook|remote rejected\].*hook/i.test(output)) return 'hook-declined'
  if (
    /Authentication failed|could not read Username|HTTP 401|HTTP 403|returned error: 40[13]|Permission to .* denied|terminal prompts disabled|invalid credentials/i.test(
      output,
    )
  ) {
    return 'authentication'
  }
  // "fetch first"/"non-fast-forward": the remote has commits we lack. A lost ref-lock race on
  // the remote ("cannot lock ref", "incorrect old value") is the same situation seen a moment later.
  if (/non-fast-forward|\(fetch first\)|tip of your current branch is behind|cannot lock ref|failed to update ref|incorrect old value|stale info/i.test(output)) {
    return 'non-fast-forward'
  }
  return 'other'
}

const PUSH_FAILURE_HELP: Record<PushFailureKind, string> = {
  'non-fast-forward': 'the remote branch moved (non-fast-forward)',
  'protected-branch': 'the branch is protected by a branch protection rule or ruleset; push to another branch or use pull-request mode',
  'hook-declined': 'a server-side hook declined the push',
  authentication: 'authentication failed; check the token and its permissions (contents: write)',
  other: 'git push failed',
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
    const detail = output.trim().split('\n').slice(-8).join('\n')
    super(message ?? `push of ${refspec} rejected: ${PUSH_FAILURE_HELP[kind]}${detail ? `\n${detail}` : ''}`)
  }
  get retryable(): boolean {
    return this.kind === 'non-fast-forward'
  }
}

/** True for errors a fetch-rebuild-push cycle can fix. */
export function isRetryablePushError(error: unknown): boolean {
  return error instanceof PushRejectedError && error.retryable
}

export interface FileContent {
  /** Path relative to the repository root, with forward slashes. */
  path: string
  content: string
}

export class Git {
  private readonly env: Record<string, string | undefined>

  constructor(
    readonly cwd: string,
    private readonly options: GitOptions = {},
  ) {
    this.env = {
      // Never wait for a password on a terminal; never translate messages we classify.
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'never',
      LC_ALL: 'C',
      ...options.env,
      ...(options.auth ? configEnvironment({ ...process.env, ...options.env }, authConfigEntries(options.auth)) : {}),
    }
  }

  /** Runs git and throws CommandError on a non-zero exit. */
  async run(args: readonly string[], options: { input?: string; env?: Record<string, string | undefined> } = {}): Promise<ExecResult> {
    return execute('git', args, { cwd: this.cwd, env: { ...this.env, ...options.env }, input: options.input, quiet: this.options.quiet })
  }

  /** Runs git and returns the result whatever the exit code. */
  async tryRun(args: readonly string[], options: { input?: string; env?: Record<string, string | undefined> } = {}): Promise<ExecResult> {
    return execute('git', args, {
      cwd: this.cwd,
      env: { ...this.env, ...options.env },
      input: options.input,
      quiet: this.options.quiet,
      allowFailure: true,
    })
  }

  async topLevel(): Promise<string> {
    return (await this.run(['rev-parse', '--show-toplevel'])).stdout.trim()
  }

  async revParse(rev: string): Promise<string> {
    return (await this.run(['rev-parse', '--verify', '--end-of-options', `${rev}^{commit}`])).stdout.trim()
  }

  async tryRevParse(rev: string): Promise<string | undefined> {
    const result = await this.tryRun(['rev-parse', '--verify', '--quiet', '--end-of-options', `${rev}^{commit}`])
    return result.exitCode === 0 ? result.stdout.trim() : undefined
  }

  /** The checked-out branch, or undefined on a detached HEAD (tag builds). */
  async tryCurrentBranch(): Promise<string | undefined> {
    const result = await this.tryRun(['symbolic-ref', '--quiet', '--short', 'HEAD'])
    return result.exitCode === 0 ? result.stdout.trim() : undefined
  }

  async remoteExists(remote: string): Promise<boolean> {
    return (await this.tryRun(['remote', 'get-url', remote])).exitCode === 0
  }

  /** Fetches one branch into refs/remotes/<remote>/<branch> and returns its commit. */
  async fetchBranch(remote: string, branch: string): Promise<string> {
    const tracking = `refs/remotes/${remote}/${branch}`
    // No maintenance, FETCH_HEAD or forced-update scan: this sits between fetch and push, the
    // window in which a concurrent pipeline can land first, so it is kept short.
    await this.run([
      'fetch',
      '--quiet',
      '--no-tags',
      '--no-recurse-submodules',
      '--no-auto-maintenance',
      '--no-write-fetch-head',
      '--no-show-forced-updates',
      remote,
      `+refs/heads/${branch}:${tracking}`,
    ])
    return this.revParse(tracking)
  }

  /** A file's content at a commit, or undefined when the commit has no such file. */
  async tryShow(commit: string, path: string): Promise<string | undefined> {
    const result = await this.tryRun(['cat-file', 'blob', `${commit}:${path}`])
    return result.exitCode === 0 ? result.stdout : undefined
  }

  /** Modes of files in a commit's tree (100644, 100755); absent files are missing from the map. */
  async fileModes(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    const result = await this.run(['ls-tree', '-z', '--full-tree', commit, '--', ...paths])
    const modes = new Map<string, string>()
    for (const entry of result.stdout.split('\0')) {
      const match = /^([0-9]{6}) blob [0-9a-f]+\t(.*)$/s.exec(entry)
      if (match) modes.set(match[2] as string, match[1] as string)
    }
    return modes
  }

  /**
   * Builds a commit on top of `parent` that changes exactly `files`, without touching the work
   * tree or the real index (a private index file), so a retry can rebuild it on a new parent.
   */
  async createCommit(parent: string, files: readonly FileContent[], message: string, author: Identity): Promise<string> {
    const dir = mkdtempSync(join(tmpdir(), 'git-index-'))
    const env = { GIT_INDEX_FILE: join(dir, 'index') }
    try {
      await this.run(['read-tree', parent], { env })
      const modes = await this.fileModes(parent, files.map((file) => file.path))
      const entries: string[] = []
      for (const file of files) {
        const blob = (await this.run(['hash-object', '-w', '--stdin', `--path=${file.path}`], { input: file.content })).stdout.trim()
        entries.push(`${modes.get(file.path) ?? '100644'} ${blob}\t${file.path}\0`)
      }
      await this.run(['update-index', '-z', '--index-info'], { env, input: entries.join('') })
      const tree = (await this.run(['write-tree'], { env })).stdout.trim()
      const identity = {
        GIT_AUTHOR_NAME: author.name,
        GIT_AUTHOR_EMAIL: author.email,
        GIT_COMMITTER_NAME: author.name,
        GIT_COMMITTER_EMAIL: author.email,
      }
      return (await this.run(['commit-tree', tree, '-p', parent, '-F', '-'], { input: message, env: identity })).stdout.trim()
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  /** Pushes `source` to `refs/heads/<branch>`; a rejection becomes a classified PushRejectedError. */
  async push(remote: string, source: string, branch: string, options: { force?: boolean } = {}): Promise<void> {
    const refspec = `${options.force ? '+' : ''}${source}:refs/heads/${branch}`
    const result = await this.tryRun(['push', '--porcelain', '--no-verify', remote, refspec])
    if (result.exitCode !== 0) {
      throw new PushRejectedError(classifyPushFailure(`${result.stdout}\n${result.stderr}`), `${result.stdout}\n${result.stderr}`, `${source}:${branch}`)
    }
  }

  async updateRef(ref: string, commit: string): Promise<void> {
    await this.run(['update-ref', ref, commit])
  }

  /** Fast-forwards the checked-out branch and work tree; false when local changes are in the way. */
  async tryMergeFastForward(commit: string): Promise<boolean> {
    return (await this.tryRun(['merge', '--ff-only', '--quiet', commit])).exitCode === 0
  }
}
