// One place for every git call an action makes, in the spirit of actions/checkout's
// git-command-manager: argv built here, `try*` variants for calls that may fail harmlessly,
// and authentication carried by the environment only (never argv, a URL or .git/config).
import { randomBytes } from 'node:crypto'
import { existsSync, realpathSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import * as core from '@actions/core'
import { execute, executeBytes, type ExecResult } from './exec'
import { classifyPushFailure, PushRejectedError } from './push-failure'

export * from './push-failure'

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
  /**
   * A work tree to trust although another user owns it (`safe.directory`): in a `container:` job
   * the checkout belongs to the runner's uid, and checkout's own safe.directory entry is gone once
   * its step ends. Only the directory the user named, and only for this action's git calls.
   */
  safeDirectory?: string
}

/**
 * Config for every git call an action makes: no automatic gc or maintenance (they would run after
 * fetch, merge and on a local remote's receive-pack, in the window where concurrent pipelines race,
 * and a runner's checkout is thrown away anyway).
 */
const QUIET_CONFIG: readonly ConfigEntry[] = [
  { key: 'gc.auto', value: '0' },
  { key: 'maintenance.auto', value: 'false' },
]

/**
 * The top of the work tree that holds `dir` (the nearest directory with a `.git` entry), found
 * without git, which refuses to say anything about a repository another user owns. Undefined
 * when there is none. Its real path: git compares `safe.directory` with the work tree's real path,
 * so a path through a symbolic link would not match.
 */
export function findWorkTree(dir: string): string | undefined {
  for (let current = resolve(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return realpathSync(current)
    if (dirname(current) === current) return undefined
  }
}

/** A path as fast-import reads it: C-quoted, so spaces, quotes and line breaks survive. */
function quotePath(path: string): string {
  return `"${path.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`
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

export interface FileContent {
  /** Path relative to the repository root, with forward slashes. */
  path: string
  content: string
}

/** Entry name -> mode of a raw tree object ("<mode> <name>\0<hash bytes>" per entry). */
function treeModes(tree: Buffer, hashBytes: number): Map<string, string> {
  const modes = new Map<string, string>()
  for (let offset = 0; offset < tree.length; ) {
    const space = tree.indexOf(0x20, offset)
    const nul = tree.indexOf(0x00, space)
    if (space < 0 || nul < 0) break
    const mode = tree.subarray(offset, space).toString('utf8')
    // Trees store 40000 for directories and 100644/100755/120000 as they are.
    modes.set(tree.subarray(space + 1, nul).toString('utf8'), mode)
    offset = nul + 1 + hashBytes
  }
  return modes
}

export class Git {
  private readonly env: Record<string, string | undefined>

  constructor(
    readonly cwd: string,
    private readonly options: GitOptions = {},
  ) {
    const entries = [
      ...QUIET_CONFIG,
      // safe.directory is honoured from the command scope (GIT_CONFIG_*), not from the repository's own config.
      ...(options.safeDirectory ? [{ key: 'safe.directory', value: options.safeDirectory }] : []),
      ...(options.auth ? authConfigEntries(options.auth) : []),
    ]
    this.env = {
      // Never wait for a password on a terminal; never translate messages we classify.
      GIT_TERMINAL_PROMPT: '0',
      GCM_INTERACTIVE: 'never',
      LC_ALL: 'C',
      ...options.env,
      ...configEnvironment({ ...process.env, ...options.env }, entries),
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
    return this.revParse(await this.fetchTracking(remote, branch))
  }

  /**
   * Fetches one branch into refs/remotes/<remote>/<branch> and returns that ref's name, for a
   * caller that reads the commit in the same process as its files (readSnapshot).
   */
  async fetchTracking(remote: string, branch: string): Promise<string> {
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
    return tracking
  }

  /** A file's content at a commit, or undefined when the commit has no such file. */
  async tryShow(commit: string, path: string): Promise<string | undefined> {
    const result = await this.tryRun(['cat-file', 'blob', `${commit}:${path}`])
    return result.exitCode === 0 ? result.stdout : undefined
  }

  /**
   * Files' contents at a commit in one `git cat-file --batch` (one process however many files);
   * absent files are missing from the map.
   */
  async readFiles(commit: string, paths: readonly string[]): Promise<Map<string, string>> {
    const files = new Map<string, string>()
    if (paths.length === 0) return files
    const objects = await this.catFileBatch(paths.map((path) => `${commit}:${path}`))
    paths.forEach((path, i) => {
      const object = objects[i]
      if (object?.type === 'blob') files.set(path, object.content.toString('utf8'))
    })
    return files
  }

  /**
   * The commit `rev` names, and files' contents and modes in it, from one `git cat-file --batch`:
   * the commit, each file's directory tree (for its mode) and each file. Between a fetch and a push
   * (the window in which a concurrent pipeline can land first) this replaces rev-parse and ls-tree.
   * Absent files are missing from both maps.
   */
  async readSnapshot(rev: string, paths: readonly string[]): Promise<{ commit: string; files: Map<string, string>; modes: Map<string, string> }> {
    const dirs = [...new Set(paths.map((path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '')))]
    const names = [`${rev}^{commit}`, ...dirs.map((dir) => (dir ? `${rev}:${dir}` : `${rev}^{tree}`)), ...paths.map((path) => `${rev}:${path}`)]
    const objects = await this.catFileBatch(names)
    const head = objects[0]
    if (head?.type !== 'commit') throw new Error(`${rev} does not name a commit`)
    const trees = new Map<string, Map<string, string>>()
    dirs.forEach((dir, i) => {
      const tree = objects[1 + i]
      if (tree?.type === 'tree') trees.set(dir, treeModes(tree.content, head.oid.length / 2))
    })
    const files = new Map<string, string>()
    const modes = new Map<string, string>()
    paths.forEach((path, i) => {
      const object = objects[1 + dirs.length + i]
      if (object?.type !== 'blob') return
      files.set(path, object.content.toString('utf8'))
      const slash = path.lastIndexOf('/')
      const mode = trees.get(slash < 0 ? '' : path.slice(0, slash))?.get(path.slice(slash + 1))
      if (mode) modes.set(path, mode)
    })
    return { commit: head.oid, files, modes }
  }

  /** Objects by name from one `git cat-file --batch`, in order; undefined for a missing one. */
  private async catFileBatch(names: readonly string[]): Promise<({ oid: string; type: string; content: Buffer } | undefined)[]> {
    const result = await executeBytes('git', ['cat-file', '--batch'], {
      cwd: this.cwd,
      env: this.env,
      input: names.map((name) => `${name}\n`).join(''),
      quiet: this.options.quiet,
    })
    // Per object: "<oid> <type> <size>\n<size bytes>\n", or "<name> missing\n".
    const objects: ({ oid: string; type: string; content: Buffer } | undefined)[] = []
    let offset = 0
    for (let i = 0; i < names.length; i++) {
      const eol = result.stdout.indexOf(0x0a, offset)
      if (eol < 0) break
      const header = result.stdout.subarray(offset, eol).toString('utf8')
      offset = eol + 1
      const match = /^([0-9a-f]+) (blob|tree|commit|tag) ([0-9]+)$/.exec(header)
      if (!match) {
        objects.push(undefined)
        continue
      }
      const size = Number(match[3])
      objects.push({ oid: match[1] as string, type: match[2] as string, content: result.stdout.subarray(offset, offset + size) })
      offset += size + 1
    }
    return objects
  }

  /** Whether `commit` is `tip` or one of its ancestors (`git merge-base --is-ancestor`). */
  async isAncestor(commit: string, tip: string): Promise<boolean> {
    const result = await this.tryRun(['merge-base', '--is-ancestor', commit, tip])
    if (result.exitCode === 0 || result.exitCode === 1) return result.exitCode === 0
    throw new Error(`git merge-base --is-ancestor ${commit} ${tip} failed: ${result.stderr.trim()}`)
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
   * tree or the index, so a retry can rebuild it on a new parent. One `git fast-import` writes the
   * blobs, the trees and the commit (instead of read-tree, hash-object, update-index, write-tree and
   * commit-tree: fewer processes between fetch and push, the window in which concurrent runs
   * collide). It reads only the trees along the changed paths, so a partial clone (checkout's
   * sparse-checkout, filter blob:none) downloads no blob. File modes (100755) are kept: from
   * `knownModes` when given, else read from `parent`.
   */
  async createCommit(parent: string, files: readonly FileContent[], message: string, author: Identity, knownModes?: ReadonlyMap<string, string>): Promise<string> {
    if (/[<>\n]/.test(author.name) || /[<>\s]/.test(author.email)) throw new Error(`not a valid git identity: ${author.name} <${author.email}>`)
    // Modes already read with the files (readSnapshot) save an ls-tree between fetch and push.
    const modes = knownModes ?? (await this.fileModes(parent, files.map((file) => file.path)))
    // fast-import must name a ref for the commit; a private one, deleted again by the same stream.
    const ref = `refs/bump-manifest/pending-${process.pid}-${randomBytes(4).toString('hex')}`
    const data = (text: string): string => `data ${Buffer.byteLength(text, 'utf8')}\n${text}\n`
    const identity = `${author.name} <${author.email}> now`
    const stream = [
      `commit ${ref}\nmark :1\nauthor ${identity}\ncommitter ${identity}\n${data(message)}from ${parent}\n`,
      ...files.map((file) => `M ${modes.get(file.path) ?? '100644'} inline ${quotePath(file.path)}\n${data(file.content)}`),
      `\nget-mark :1\nreset ${ref}\nfrom ${'0'.repeat(parent.length)}\n\ndone\n`,
    ].join('')
    // unpackLimit=0 keeps the few objects as the pack fast-import wrote, instead of a second
    // process exploding them into loose objects (a third of its time).
    const result = await this.run(['-c', 'fastimport.unpackLimit=0', 'fast-import', '--quiet', '--done', '--date-format=now'], { input: stream })
    return result.stdout.trim()
  }

  /** The commit a remote's branch points at, or undefined when the remote has no such branch. */
  async remoteBranchTip(remote: string, branch: string): Promise<string | undefined> {
    const ref = `refs/heads/${branch}`
    const result = await this.run(['ls-remote', '--heads', remote, ref])
    // ls-remote matches patterns by their tail: keep the exact ref only.
    return result.stdout.split('\n').map((line) => line.split('\t')).find(([, name]) => name === ref)?.[0]
  }

  /**
   * Pushes `source` to `refs/heads/<branch>`; a rejection becomes a classified PushRejectedError.
   * `lease` replaces the branch only while it still points at `expected` (undefined: while it does
   * not exist), as `--force-with-lease=<ref>:<expect>`; a branch moved meanwhile is refused "(stale
   * info)", which classifies as non-fast-forward.
   */
  async push(remote: string, source: string, branch: string, options: { force?: boolean; lease?: { expected: string | undefined } } = {}): Promise<void> {
    const ref = `refs/heads/${branch}`
    const lease = options.lease ? [`--force-with-lease=${ref}:${options.lease.expected ?? ''}`] : []
    const refspec = `${options.force && !options.lease ? '+' : ''}${source}:${ref}`
    const result = await this.tryRun(['push', '--porcelain', '--no-verify', ...lease, remote, refspec])
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
