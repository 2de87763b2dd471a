// GitHub's REST Git Data API over a REAL bare repository: every object is written with git
// (hash-object, update-index on a private index, write-tree, commit-tree) and the branch moves with
// `git update-ref <ref> <new> <old>` (compare-and-swap), so a test checks the result with git.
// Endpoints, status codes and bodies as documented (shapes from GitHub's OpenAPI description, as
// shipped in @octokit/openapi-types):
//   https://docs.github.com/en/rest/git/refs     GET /git/ref/{ref} (200, 404, 409), POST /git/refs (201, 422),
//                                                PATCH /git/refs/{ref} {sha, force} (200, 409, 422)
//   https://docs.github.com/en/rest/git/commits  GET /git/commits/{sha} (200, 404), POST /git/commits (201, 422)
//   https://docs.github.com/en/rest/git/trees    GET /git/trees/{sha} (200, 404), POST /git/trees {base_tree, tree} (201, 422)
//   https://docs.github.com/en/rest/git/blobs    GET /git/blobs/{sha} (200, 404), POST /git/blobs (201)
// And the GraphQL mutation updateRefs(input: {repositoryId, refUpdates: [{name, beforeOid, afterOid, force}]})
// (https://docs.github.com/en/graphql/reference/mutations#updaterefs, input-objects#refupdate): all
// updates in one `git update-ref --stdin` transaction, each verified against its beforeOid, so one
// refused update leaves every ref as it was, as the page says.
// Rulesets: a branch may require a pull request (every update refused) or verified signatures
// (refused unless the commit was created here without a custom author or committer, the commits
// GitHub signs: https://docs.github.com/en/authentication/managing-commit-signature-verification/about-commit-signature-verification#signature-verification-for-bots).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** The identity GitHub gives a commit created with GITHUB_TOKEN and no author. */
export const TOKEN_IDENTITY = { name: 'github-actions[bot]', email: '41898282+github-actions[bot]@users.noreply.github.com' }

export type Rule = 'pull_request' | 'required_signatures'

export interface GitDataState {
  /** The bare repository the API reads and writes. */
  bare: string
  /** Rulesets by branch name. */
  rules: Map<string, Rule[]>
  /** Commits created through POST /git/commits without author or committer (GitHub signs those). */
  signed: Set<string>
  /** Called before each PATCH of a ref is applied (the moment another pipeline can land first). */
  beforeRefUpdate?: (ref: string) => void
  /** Called after a PATCH of a ref succeeded (another pipeline landing right after this one). */
  afterRefUpdate?: (ref: string) => void
  /** The answer to a GET of a ref, instead of the ref: a 5xx or 429 while GitHub is degraded. */
  answerRefRead?: (ref: string) => Answer | undefined
  /** The answer to a PATCH of a ref as it arrives, before anything is checked or applied: a rate limit refuses it so. */
  answerRefUpdate?: (ref: string) => Answer | undefined
  /** The answer to a PATCH that succeeded, instead of 200: a 5xx whose sender never learns the ref moved. */
  answerAfterRefUpdate?: (ref: string) => { status: number; data: unknown } | undefined
}

/** A canned answer; headers such as a rate limit's retry-after and x-ratelimit-*. */
export interface Answer {
  status: number
  data: unknown
  headers?: Record<string, string>
}

type Send = (status: number, data: unknown, headers?: Record<string, string>) => void
type Json = Record<string, unknown>

const DOCS = 'https://docs.github.com/rest/git'

function git(bare: string, args: string[], options: { input?: string; env?: Record<string, string> } = {}): string {
  return execFileSync('git', args, { cwd: bare, encoding: 'utf8', input: options.input, env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] })
}

function tryGit(bare: string, args: string[]): string | undefined {
  try {
    return git(bare, args).trim()
  } catch {
    return undefined
  }
}

const objectType = (bare: string, sha: string): string | undefined => (/^[0-9a-f]{40}$/.test(sha) ? tryGit(bare, ['cat-file', '-t', sha]) : undefined)

function treeEntries(bare: string, base: string, sha: string): Json[] {
  return git(bare, ['ls-tree', '-z', '-l', sha])
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const [info = '', path = ''] = line.split('\t')
      const [mode = '', type = '', entrySha = '', size = ''] = info.split(/\s+/)
      return { path, mode, type, sha: entrySha, ...(type === 'blob' ? { size: Number(size), url: `${base}/git/blobs/${entrySha}` } : { url: `${base}/git/trees/${entrySha}` }) }
    })
}

function commitShape(bare: string, base: string, sha: string, signed: boolean): Json {
  const raw = git(bare, ['cat-file', 'commit', sha])
  const [head = '', ...rest] = raw.split('\n\n')
  const header = (key: string) => head.split('\n').filter((l) => l.startsWith(`${key} `)).map((l) => l.slice(key.length + 1))
  const person = (line = '') => {
    const m = /^(.*) <(.*)> (\d+) [+-]\d{4}$/.exec(line)
    return { name: m?.[1] ?? '', email: m?.[2] ?? '', date: new Date(Number(m?.[3] ?? 0) * 1000).toISOString().replace('.000', '') }
  }
  return {
    sha,
    node_id: `C_${sha}`,
    url: `${base}/git/commits/${sha}`,
    html_url: `https://github.example/commit/${sha}`,
    author: person(header('author')[0]),
    committer: person(header('committer')[0]),
    message: rest.join('\n\n'),
    tree: { sha: header('tree')[0], url: `${base}/git/trees/${header('tree')[0]}` },
    parents: header('parent').map((p) => ({ sha: p, url: `${base}/git/commits/${p}`, html_url: `https://github.example/commit/${p}` })),
    verification: signed ? { verified: true, reason: 'valid', signature: '-----BEGIN PGP SIGNATURE-----', payload: raw, verified_at: new Date().toISOString() } : { verified: false, reason: 'unsigned', signature: null, payload: null, verified_at: null },
  }
}

function refShape(base: string, ref: string, sha: string): Json {
  return { ref, node_id: `REF_${ref}`, url: `${base}/git/${ref}`, object: { type: 'commit', sha, url: `${base}/git/commits/${sha}` } }
}

const violation = (rules: Rule[]): string =>
  `Repository rule violations found\n\n${rules.map((r) => (r === 'pull_request' ? 'Changes must be made through a pull request.' : 'Commits must have verified signatures.')).join('\n\n')}\n\n`

/** Builds a tree from base_tree plus entries (content, sha, or sha null to delete) on a private index. */
function createTree(bare: string, baseTree: string | undefined, entries: Json[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'fake-tree-'))
  const env = { GIT_INDEX_FILE: join(dir, 'index') }
  try {
    if (baseTree) git(bare, ['read-tree', baseTree], { env })
    else git(bare, ['read-tree', '--empty'], { env })
    for (const entry of entries) {
      const path = String(entry.path)
      if (entry.sha === null) {
        git(bare, ['update-index', '--force-remove', '--', path], { env })
        continue
      }
      const sha = typeof entry.content === 'string' ? git(bare, ['hash-object', '-w', '--stdin'], { input: entry.content }).trim() : String(entry.sha)
      git(bare, ['update-index', '--add', '--cacheinfo', `${String(entry.mode)},${sha},${path}`], { env })
    }
    return git(bare, ['write-tree'], { env }).trim()
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const ZERO = '0'.repeat(40)

interface RefUpdate {
  name?: unknown
  beforeOid?: unknown
  afterOid?: unknown
  force?: unknown
}

/**
 * The updateRefs mutation over the bare repository, answered as GraphQL answers: HTTP 200 with
 * `data.updateRefs.clientMutationId`, or `data.updateRefs: null` plus `errors`. GitHub documents no
 * wording for a refused update; the messages here are this stand-in's own, and the action does not
 * read them to tell a moved branch (it reads the branch again).
 */
export function updateRefsMutation(state: GitDataState, repositoryNodeId: string, variables: Record<string, unknown>): Json {
  const { bare } = state
  const refused = (message: string, type = 'UNPROCESSABLE') => ({ data: { updateRefs: null }, errors: [{ type, path: ['updateRefs'], locations: [{ line: 3, column: 3 }], message }] })
  if (variables.repositoryId !== repositoryNodeId) return refused(`Could not resolve to a node with the global id of '${String(variables.repositoryId)}'`, 'NOT_FOUND')
  const updates = (variables.refUpdates ?? []) as RefUpdate[]
  const lines: string[] = []
  for (const update of updates) {
    const name = String(update.name ?? '')
    const after = String(update.afterOid ?? '')
    if (!/^refs\/.+\/.+/.test(name)) return refused(`${name} is not a fully qualified ref name`)
    if (after !== ZERO && objectType(bare, after) !== 'commit') return refused(`Object ${after} does not exist`)
    const rules = state.rules.get(name.replace(/^refs\/heads\//, '')) ?? []
    const broken = rules.filter((r) => r === 'pull_request' || !state.signed.has(after))
    if (broken.length > 0) return refused(violation(broken))
    state.beforeRefUpdate?.(name)
    const current = tryGit(bare, ['rev-parse', '--verify', '--quiet', name])
    if (update.beforeOid !== undefined && update.beforeOid !== null && (current ?? ZERO) !== update.beforeOid) {
      return refused(`${name} points at ${current ?? 'nothing'}, not the expected ${String(update.beforeOid)}`)
    }
    if (current && after !== ZERO && update.force !== true && tryGit(bare, ['merge-base', '--is-ancestor', current, after]) === undefined) {
      return refused(`${name}: update is not a fast forward`)
    }
    // Verified again inside the transaction against the value just checked: a concurrent update loses.
    lines.push(after === ZERO ? `delete ${name} ${current ?? ''}` : `update ${name} ${after} ${current ?? ZERO}`)
  }
  try {
    git(bare, ['update-ref', '--stdin'], { input: ['start', ...lines, 'commit', ''].join('\n') })
  } catch (error) {
    return refused(`refs changed meanwhile: ${(error as Error).message.trim()}`)
  }
  for (const update of updates) state.afterRefUpdate?.(String(update.name))
  return { data: { updateRefs: { clientMutationId: (variables.clientMutationId as string | undefined) ?? null } } }
}

/** Answers a Git Data API request under /repos/{owner}/{repo}; false when the path is not one of these endpoints. */
export function handleGitData(state: GitDataState, base: string, method: string, path: string, body: Json, send: Send): boolean {
  const { bare } = state
  const reply = (status: number, data: unknown, headers?: Record<string, string>): true => {
    send(status, data, headers)
    return true
  }
  const m = /^\/git\/(ref|refs|commits|trees|blobs)(?:\/(.+))?$/.exec(path)
  if (!m) return false
  const [, kind, rest = ''] = m
  const notFound = (doc: string) => reply(404, { message: 'Not Found', documentation_url: `${DOCS}/${doc}`, status: '404' })
  const invalid = (message: string, doc: string) => reply(422, { message, documentation_url: `${DOCS}/${doc}`, status: '422' })
  const empty = !tryGit(bare, ['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads/'])

  if (method === 'GET' && kind === 'ref') {
    const degraded = state.answerRefRead?.(`refs/${rest}`)
    if (degraded) return reply(degraded.status, degraded.data, degraded.headers)
    if (empty) return reply(409, { message: 'Git Repository is empty.', documentation_url: `${DOCS}/refs#get-a-reference`, status: '409' })
    const sha = tryGit(bare, ['rev-parse', '--verify', '--quiet', `refs/${rest}`])
    return sha ? reply(200, refShape(base, `refs/${rest}`, sha)) : notFound('refs#get-a-reference')
  }
  if (method === 'PATCH' && kind === 'refs') {
    const ref = `refs/${rest}`
    const refused = state.answerRefUpdate?.(ref)
    if (refused) return reply(refused.status, refused.data, refused.headers)
    const sha = String(body.sha ?? '')
    const old = tryGit(bare, ['rev-parse', '--verify', '--quiet', ref])
    if (!old) return invalid('Reference does not exist', 'refs#update-a-reference')
    if (objectType(bare, sha) !== 'commit') return invalid('Object does not exist', 'refs#update-a-reference')
    const rules = state.rules.get(rest.replace(/^heads\//, '')) ?? []
    const broken = rules.filter((r) => r === 'pull_request' || !state.signed.has(sha))
    if (broken.length > 0) return invalid(violation(broken), 'refs#update-a-reference')
    state.beforeRefUpdate?.(ref)
    const current = tryGit(bare, ['rev-parse', ref]) ?? old
    const fastForward = tryGit(bare, ['merge-base', '--is-ancestor', current, sha]) !== undefined
    if (body.force !== true && !fastForward) return invalid('Update is not a fast forward', 'refs#update-a-reference')
    // Compare-and-swap on the value just checked: a concurrent update loses as on GitHub.
    if (tryGit(bare, ['update-ref', ref, sha, current]) === undefined) return invalid('Update is not a fast forward', 'refs#update-a-reference')
    state.afterRefUpdate?.(ref)
    const lost = state.answerAfterRefUpdate?.(ref)
    if (lost) return reply(lost.status, lost.data)
    return reply(200, refShape(base, ref, sha))
  }
  if (method === 'POST' && kind === 'refs' && !rest) {
    const ref = String(body.ref ?? '')
    if (!/^refs\/.+\/.+/.test(ref)) return invalid(`${ref} is not a valid ref name.`, 'refs#create-a-reference')
    if (tryGit(bare, ['rev-parse', '--verify', '--quiet', ref])) return invalid('Reference already exists', 'refs#create-a-reference')
    if (objectType(bare, String(body.sha)) !== 'commit') return invalid('Object does not exist', 'refs#create-a-reference')
    git(bare, ['update-ref', ref, String(body.sha), ''])
    return reply(201, refShape(base, ref, String(body.sha)))
  }
  if (method === 'GET' && kind === 'commits') {
    return objectType(bare, rest) === 'commit' ? reply(200, commitShape(bare, base, rest, state.signed.has(rest))) : notFound('commits#get-a-commit-object')
  }
  if (method === 'POST' && kind === 'commits' && !rest) {
    const parents = (body.parents as string[] | undefined) ?? []
    if (objectType(bare, String(body.tree)) !== 'tree' || parents.some((p) => objectType(bare, p) !== 'commit')) {
      return invalid('Tree SHA does not exist', 'commits#create-a-commit')
    }
    const author = (body.author as { name: string; email: string } | undefined) ?? TOKEN_IDENTITY
    const committer = (body.committer as { name: string; email: string } | undefined) ?? author
    const env = { GIT_AUTHOR_NAME: author.name, GIT_AUTHOR_EMAIL: author.email, GIT_COMMITTER_NAME: committer.name, GIT_COMMITTER_EMAIL: committer.email }
    const args = ['commit-tree', String(body.tree), ...parents.flatMap((p) => ['-p', p]), '-F', '-']
    const sha = git(bare, args, { input: String(body.message ?? ''), env }).trim()
    const signed = body.author === undefined && body.committer === undefined && body.signature === undefined
    if (signed) state.signed.add(sha)
    return reply(201, commitShape(bare, base, sha, signed))
  }
  if (method === 'GET' && kind === 'trees') {
    return objectType(bare, rest) === 'tree' ? reply(200, { sha: rest, url: `${base}/git/trees/${rest}`, tree: treeEntries(bare, base, rest), truncated: false }) : notFound('trees#get-a-tree')
  }
  if (method === 'POST' && kind === 'trees' && !rest) {
    const baseTree = body.base_tree === undefined ? undefined : String(body.base_tree)
    if (baseTree !== undefined && objectType(bare, baseTree) !== 'tree') return invalid('base_tree is not a valid tree', 'trees#create-a-tree')
    const sha = createTree(bare, baseTree, (body.tree as Json[] | undefined) ?? [])
    return reply(201, { sha, url: `${base}/git/trees/${sha}`, tree: treeEntries(bare, base, sha), truncated: false })
  }
  if (method === 'GET' && kind === 'blobs') {
    if (objectType(bare, rest) !== 'blob') return notFound('blobs#get-a-blob')
    const bytes = execFileSync('git', ['cat-file', 'blob', rest], { cwd: bare })
    // GitHub wraps the base64 at 60 characters.
    const content = (bytes.toString('base64').match(/.{1,60}/g) ?? []).join('\n')
    return reply(200, { sha: rest, node_id: `B_${rest}`, size: bytes.length, url: `${base}/git/blobs/${rest}`, content, encoding: 'base64' })
  }
  if (method === 'POST' && kind === 'blobs' && !rest) {
    const input = body.encoding === 'base64' ? Buffer.from(String(body.content), 'base64').toString('latin1') : String(body.content ?? '')
    const sha = execFileSync('git', ['hash-object', '-w', '--stdin'], { cwd: bare, input: Buffer.from(input, body.encoding === 'base64' ? 'latin1' : 'utf8'), encoding: 'utf8' }).trim()
    return reply(201, { sha, url: `${base}/git/blobs/${sha}` })
  }
  return false
}
