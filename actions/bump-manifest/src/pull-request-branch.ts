// Pull-request mode's branch, chosen again at each attempt. While a pull request from it is open, the
// new bump is a commit on top of that branch, landed by a plain fast-forward push (a branch that moved
// meanwhile is re-read and the edit re-applied, like any other push). With none open, whatever the
// branch still holds is a merged or closed pull request's leftover: it is rebuilt on the base branch
// and moved by force. Stacking is what keeps an open pull request working: a forced update of its
// branch to a commit on a newer base carries the base's changes, and once those touch
// .github/workflows GitHub refuses it to any token without the `workflows` permission, which
// GITHUB_TOKEN can never hold ("refusing to allow a GitHub App to create or update workflow ...").
import type { CommitStore } from './publish'

export interface PullRequestBranchOptions<Pull> {
  /** The open pull request from the branch, read at the start of every attempt. */
  findOpen: () => Promise<Pull | undefined>
  /** Reads the pull request branch and fast-forwards it. */
  stacked: CommitStore
  /** Reads the base branch and moves the pull request branch to the new commit by force. */
  rebuilt: CommitStore
}

export interface PullRequestBranchStore<Pull> extends CommitStore {
  /** The open pull request the last attempt found (and stacked on), if any. */
  open(): Pull | undefined
}

export function pullRequestBranchStore<Pull>(options: PullRequestBranchOptions<Pull>): PullRequestBranchStore<Pull> {
  let open: Pull | undefined
  let store = options.rebuilt
  return {
    async base() {
      open = await options.findOpen()
      store = open === undefined ? options.rebuilt : options.stacked
      return store.base()
    },
    read: (base, path) => store.read(base, path),
    // The chosen store's one-read and ancestry checks, when it has them (see CommitStore).
    async readAll(base, paths) {
      if (store.readAll) return store.readAll(base, paths)
      const files = new Map<string, string>()
      for (const path of paths) {
        const text = await store.read(base, path)
        if (text !== undefined) files.set(path, text)
      }
      return files
    },
    contains: async (tip, commit) => (store.contains ? store.contains(tip, commit) : tip === commit),
    commit: (base, files, message) => store.commit(base, files, message),
    land: (commit) => store.land(commit),
    open: () => open,
  }
}
