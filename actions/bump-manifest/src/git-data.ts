// commit-method api: the commit is made on GitHub through the REST Git Data API, so GitHub signs it
// and "require signed commits" rules pass. Each attempt reads the branch head and the files there
// through the same API (one consistent snapshot, by commit sha; no git credentials needed), then
//   POST /repos/{o}/{r}/git/trees    base_tree + the changed files with inline content (GitHub writes the blobs)
//   POST /repos/{o}/{r}/git/commits  message, tree, parents: [head]; no author or committer, or GitHub would not sign it
//   PATCH /repos/{o}/{r}/git/refs/heads/{branch}  sha, force: false: refused with 422 "Update is not a fast forward"
//                                     when the branch moved meanwhile, which publish() retries on the new head.
// https://docs.github.com/en/rest/git/refs, https://docs.github.com/en/rest/git/commits,
// https://docs.github.com/en/rest/git/trees, https://docs.github.com/en/rest/git/blobs
import { isTransientNetworkError, PushRejectedError, type FileContent, type PushFailureKind } from '@aks-gitops/toolkit'
import { refUpdateFailure, refUpdateHelp, restFailure } from './github-errors'
import { ManifestError } from './plan'
import type { CommitStore } from './publish'
import type { Octokit } from './pull-request'

interface TreeEntry {
  path: string
  mode: string
  type: string
  sha: string
}

/** A ref update GitHub refused; retryable (through PushRejectedError) only when not a fast forward. */
class RefUpdateRejectedError extends PushRejectedError {
  override name = 'RefUpdateRejectedError'
  constructor(
    kind: PushFailureKind,
    status: number,
    apiMessage: string,
    branch: string,
    sha: string,
  ) {
    super(
      kind,
      `HTTP ${status}: ${apiMessage}`,
      `${sha}:${branch}`,
      `update of branch "${branch}" to ${sha} through the GitHub API rejected: ${refUpdateHelp(kind)}\nHTTP ${status}: ${apiMessage.trim()}`,
    )
  }
}

export interface ApiStoreOptions {
  octokit: Octokit
  /** owner/name */
  repository: string
  /** The branch whose head is the base of each attempt. */
  branch: string
  /** Where the commit lands: `branch`, or the pull request's branch. */
  landBranch: string
  /** Move landBranch whatever it points at, creating it when missing (the pull request branch is ours). */
  force: boolean
}

export function apiStore(options: ApiStoreOptions): CommitStore {
  const { octokit, branch, landBranch, force } = options
  const [owner = '', repo = ''] = options.repository.split('/')
  // Trees are immutable, so entries read once by sha stay true for every attempt.
  const trees = new Map<string, TreeEntry[]>()
  const commitTrees = new Map<string, string>()

  async function treeEntries(sha: string): Promise<TreeEntry[]> {
    const cached = trees.get(sha)
    if (cached) return cached
    // GET /repos/{owner}/{repo}/git/trees/{tree_sha}, not recursive: one level at a time is never truncated.
    const { data } = await octokit.rest.git.getTree({ owner, repo, tree_sha: sha })
    const entries = data.tree.map(({ path, mode, type, sha: entrySha }) => ({ path, mode, type, sha: entrySha }))
    trees.set(sha, entries)
    return entries
  }

  async function rootTree(commit: string): Promise<string> {
    const cached = commitTrees.get(commit)
    if (cached) return cached
    const { data } = await octokit.rest.git.getCommit({ owner, repo, commit_sha: commit })
    commitTrees.set(commit, data.tree.sha)
    return data.tree.sha
  }

  /** The blob entry at a repository-relative path, walking the trees from the commit's root. */
  async function entryAt(commit: string, path: string): Promise<TreeEntry | undefined> {
    let tree = await rootTree(commit)
    const parts = path.split('/')
    for (const [i, part] of parts.entries()) {
      const entry = (await treeEntries(tree)).find((e) => e.path === part)
      if (!entry) return undefined
      if (i === parts.length - 1) return entry.type === 'blob' ? entry : undefined
      if (entry.type !== 'tree') return undefined
      tree = entry.sha
    }
    return undefined
  }

  // Pull-request mode's branch (force): whether the attempt found it missing, so that landing creates
  // it and nothing else. Creating refuses a branch another run made meanwhile; a forced update could
  // not (the REST API's force takes no expected value), so only a missing branch gets this lease.
  let landMissing = false
  async function observeLandBranch(): Promise<void> {
    try {
      await octokit.rest.git.getRef({ owner, repo, ref: `heads/${landBranch}` })
      landMissing = false
    } catch (error) {
      // Anything but a 404 leaves the forced update to decide, as without the look.
      landMissing = restFailure(error).status === 404
    }
  }

  async function createLandBranch(sha: string): Promise<void> {
    try {
      // POST /repos/{owner}/{repo}/git/refs: the pull request branch's first commit; 422 "Reference
      // already exists" when another run created it since this attempt looked: a moved branch, tried again.
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${landBranch}`, sha })
    } catch (error) {
      const { status, message } = restFailure(error)
      throw new RefUpdateRejectedError(refUpdateFailure(status, message), status, message, landBranch, sha)
    }
  }

  async function readHead(): Promise<string> {
    try {
      // GET /repos/{owner}/{repo}/git/ref/heads/{branch}
      const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${branch}` })
      return data.object.sha
    } catch (error) {
      const { status, message } = restFailure(error)
      const why = status === 404 ? 'there is no such branch, or the token cannot read the repository' : message
      const text = `cannot read branch "${branch}" of ${options.repository} through the GitHub API: ${why}${status ? ` (HTTP ${status})` : ''}`
      // A server error, throttling or a dropped connection is worth another attempt, like a failed ref update.
      if (status === 429 || status >= 500 || isTransientNetworkError(error)) throw new PushRejectedError('transient', `HTTP ${status}: ${message}`, `${options.repository}@${branch}`, text)
      throw new ManifestError(text)
    }
  }

  return {
    async base() {
      const [head] = await Promise.all([readHead(), force ? observeLandBranch() : undefined])
      return head
    },

    async read(base, path) {
      const entry = await entryAt(base, path)
      if (!entry) return undefined
      // GET /repos/{owner}/{repo}/git/blobs/{file_sha}: base64 content.
      const { data } = await octokit.rest.git.getBlob({ owner, repo, file_sha: entry.sha })
      return Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString('utf8')
    },

    async commit(base, files: readonly FileContent[], message) {
      const entries = []
      for (const file of files) {
        const mode = ((await entryAt(base, file.path))?.mode ?? '100644') as '100644' | '100755'
        entries.push({ path: file.path, mode, type: 'blob' as const, content: file.content })
      }
      const { data: tree } = await octokit.rest.git.createTree({ owner, repo, base_tree: await rootTree(base), tree: entries })
      // No author/committer: GitHub then uses the token's identity and signs the commit.
      const { data: commit } = await octokit.rest.git.createCommit({ owner, repo, message, tree: tree.sha, parents: [base] })
      return commit.sha
    },

    async contains(tip, commit) {
      // Back from the tip along first parents (bump commits are linear): a ref update whose answer
      // was lost happened moments ago, so the commit, if it landed, is among the last few.
      let sha: string | undefined = tip
      for (let steps = 0; sha && steps < 50; steps++) {
        if (sha === commit) return true
        const parent: { tree: { sha: string }; parents: { sha: string }[] } = (await octokit.rest.git.getCommit({ owner, repo, commit_sha: sha })).data
        commitTrees.set(sha, parent.tree.sha)
        sha = parent.parents[0]?.sha
      }
      return false
    },

    async land(sha) {
      if (force && landMissing) return createLandBranch(sha)
      try {
        await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${landBranch}`, sha, force })
      } catch (error) {
        const { status, message } = restFailure(error)
        if (force && status === 422 && /reference does not exist/i.test(message)) return createLandBranch(sha)
        throw new RefUpdateRejectedError(refUpdateFailure(status, message), status, message, landBranch, sha)
      }
    },
  }
}
