// `source-date-epoch: commit`: the committer time of the commit checked out at the build context,
// as `git log -1 --format=%ct` gives it (the committer time, which a rebase or cherry-pick moves on,
// not the author time). A shallow clone has its HEAD commit, so depth 1 is enough.
import { existsSync } from 'node:fs'
import { findWorkTree, Git, InputError } from '@aks-gitops/toolkit'

/** The committer time (Unix seconds) of HEAD in the repository that holds `directory`. */
export async function commitTime(directory: string): Promise<string> {
  if (!existsSync(directory)) throw new InputError('source-date-epoch', `"commit" reads the commit checked out at the build context, but "${directory}" does not exist`)
  // safe.directory for the work tree, as acr-push's candidate read and bump-manifest do: in a
  // `container:` job the checkout belongs to another user, and git would refuse to read it.
  const git = new Git(directory, { quiet: true, safeDirectory: findWorkTree(directory) })
  const inside = await git.tryRun(['rev-parse', '--is-inside-work-tree'])
  if (inside.exitCode !== 0 || inside.stdout.trim() !== 'true') {
    throw new InputError('source-date-epoch', `"commit" reads the commit checked out at the build context, but "${directory}" is not in a git work tree (check the repository out there, or give Unix seconds)`)
  }
  const log = await git.tryRun(['log', '-1', '--format=%ct', 'HEAD'])
  const seconds = log.stdout.trim()
  if (log.exitCode !== 0 || !/^[0-9]+$/.test(seconds)) {
    throw new InputError('source-date-epoch', `"commit": the git work tree at "${directory}" has no commit checked out (git: ${log.stderr.trim().split('\n')[0] || 'no output'})`)
  }
  return seconds
}
