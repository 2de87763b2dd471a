// commit-method api: the commit is made on GitHub through the REST Git Data API, so GitHub signs it
// and "require signed commits" rules pass. Each attempt reads the branch head and the files there
// through the same API (one consistent snapshot, by commit sha; no git credentials needed), then
//   POST /repos/{o}/{r}/git/trees    base_tree + the changed files with inline content (GitHub writes the blobs)
//   POST /repos/{o}/{r}/git/commits  message, tree, parents: [head]; no author or committer, or GitHub would not sign it
//   PATCH /repos/{o}/{r}/git/refs/heads/{branch}  sha, force: false: refused with 422 "Update is not a fast forward"
//                                     when the branch moved meanwhile, which publish() retries on the new head.
// Pull-request mode with no open pull request rebuilds its branch on the base and moves it by force.
// The REST update's force takes no expected value, so that move goes through the GraphQL mutation
// updateRefs instead: {name, beforeOid: the tip this attempt read, afterOid, force: true} is refused
// when the branch no longer points at beforeOid, so a commit another run landed meanwhile is never
// overwritten unseen (the same lease as git mode's --force-with-lease).
//   https://docs.github.com/en/graphql/reference/mutations#updaterefs
//   https://docs.github.com/en/graphql/reference/input-objects#refupdate (name is fully qualified: refs/heads/…)
//   https://docs.github.com/en/graphql/reference/input-objects#updaterefsinput (repositoryId: the repository's
//   node ID, node_id of https://docs.github.com/en/rest/repos/repos#get-a-repository)
// https://docs.github.com/en/rest/git/refs, https://docs.github.com/en/rest/git/commits,
// https://docs.github.com/en/rest/git/trees, https://docs.github.com/en/rest/git/blobs
import { PushRejectedError, type FileContent, type PushFailureKind } from '@aks-gitops/toolkit'
import { graphqlMessages, isTransientGitHubFailure, refUpdateFailure, refUpdateHelp, restFailure } from './github-errors'
import { ManifestError } from './plan'
import { rethrowRateLimit } from './rate-limit'
import type { CommitStore } from './publish'
import type { Octokit } from './pull-request'

const UPDATE_REFS = `
mutation($repositoryId: ID!, $refUpdates: [RefUpdate!]!) {
  updateRefs(input: { repositoryId: $repositoryId, refUpdates: $refUpdates }) { clientMutationId }
}`

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
  /** Move landBranch by force from the tip each attempt read, creating it when missing (the pull request branch is ours). */
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

  // Pull-request mode's branch (force): the tip the attempt read, undefined when it found none. Landing
  // creates a missing branch (refused when another run made it meanwhile) and moves an existing one
  // only from that tip (updateRefs' beforeOid), so either way a commit landed since the read stays.
  let landTip: string | undefined
  async function observeLandBranch(): Promise<void> {
    landTip = await refTip(landBranch)
  }

  let repositoryNodeId: string | undefined
  async function repositoryId(): Promise<string> {
    // GET /repos/{owner}/{repo}: node_id is what updateRefs' repositoryId takes.
    repositoryNodeId ??= (await octokit.rest.repos.get({ owner, repo })).data.node_id
    return repositoryNodeId
  }

  async function forceLand(sha: string, expected: string): Promise<void> {
    const name = `refs/heads/${landBranch}`
    try {
      await octokit.graphql(UPDATE_REFS, { repositoryId: await repositoryId(), refUpdates: [{ name, beforeOid: expected, afterOid: sha, force: true }] })
    } catch (error) {
      // A rate limit (GraphQL's comes with 200, past the client's hook) is waited out by publish(), not sorted here.
      rethrowRateLimit(error)
      const { status } = restFailure(error)
      const message = graphqlMessages(error).join('; ')
      // A dropped connection, 5xx, 429 or 408 may come after the ref moved: transient, and publish() checks.
      if (isTransientGitHubFailure(status, error)) throw new RefUpdateRejectedError('transient', status, message, landBranch, sha)
      // The documentation gives no wording for a stale beforeOid, so the branch itself says whether it
      // moved since the read: then it is another run's commit, and the next attempt reads it again.
      const now = await refTip(landBranch).catch(() => expected)
      const kind = now !== expected ? 'non-fast-forward' : refUpdateFailure(status, message)
      throw new RefUpdateRejectedError(kind, status || 200, now !== expected ? `${message} (the branch now points at ${now ?? 'nothing'}, not ${expected})` : message, landBranch, sha)
    }
  }

  async function createLandBranch(sha: string): Promise<void> {
    try {
      // POST /repos/{owner}/{repo}/git/refs: the pull request branch's first commit; 422 "Reference
      // already exists" when another run created it since this attempt looked: a moved branch, tried again.
      await octokit.rest.git.createRef({ owner, repo, ref: `refs/heads/${landBranch}`, sha })
    } catch (error) {
      rethrowRateLimit(error)
      const { status, message } = restFailure(error)
      throw new RefUpdateRejectedError(refUpdateFailure(status, message), status, message, landBranch, sha)
    }
  }

  /** The branch's tip, undefined on a 404 (no such branch). */
  async function refTip(name: string): Promise<string | undefined> {
    try {
      // GET /repos/{owner}/{repo}/git/ref/heads/{branch}
      const { data } = await octokit.rest.git.getRef({ owner, repo, ref: `heads/${name}` })
      return data.object.sha
    } catch (error) {
      // A rate limit is neither a missing branch nor a refusal: publish() waits what GitHub asked, then reads again.
      rethrowRateLimit(error)
      const { status, message } = restFailure(error)
      if (status === 404) return undefined
      const text = `cannot read branch "${name}" of ${options.repository} through the GitHub API: ${message}${status ? ` (HTTP ${status})` : ''}`
      // A server error, throttling, a timeout or a dropped connection is worth another attempt, like a failed ref update.
      if (isTransientGitHubFailure(status, error)) throw new PushRejectedError('transient', `HTTP ${status}: ${message}`, `${options.repository}@${name}`, text)
      throw new ManifestError(text)
    }
  }

  async function readHead(): Promise<string> {
    const head = await refTip(branch)
    if (head === undefined) {
      throw new ManifestError(`cannot read branch "${branch}" of ${options.repository} through the GitHub API: there is no such branch, or the token cannot read the repository (HTTP 404)`)
    }
    return head
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
      if (force) return landTip === undefined ? createLandBranch(sha) : forceLand(sha, landTip)
      try {
        await octokit.rest.git.updateRef({ owner, repo, ref: `heads/${landBranch}`, sha, force: false })
      } catch (error) {
        // 403 "You have exceeded a secondary rate limit" is no missing permission: waited out and tried again.
        rethrowRateLimit(error)
        const { status, message } = restFailure(error)
        throw new RefUpdateRejectedError(refUpdateFailure(status, message), status, message, landBranch, sha)
      }
    },
  }
}
