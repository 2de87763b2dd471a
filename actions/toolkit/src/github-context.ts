// What the runner's GITHUB_* variables say about where a step runs, in one place: the repository's
// web URL, a workflow run's URL, and the owner/name shape of GITHUB_REPOSITORY
// (https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables).
// GITHUB_SERVER_URL is https://github.com or a GitHub Enterprise Server's own URL; a trailing '/'
// is dropped so no URL gets '//'. Pure: the environment is passed in.

export type GitHubEnv = Readonly<Record<string, string | undefined>>

/** GITHUB_REPOSITORY's shape: one owner and one name, no spaces. */
const OWNER_NAME = /^[^/\s]+\/[^/\s]+$/

/** Whether `text` is `owner/name`, as GITHUB_REPOSITORY and the REST API's repository paths are. */
export function isOwnerName(text: string | undefined): text is string {
  return text !== undefined && OWNER_NAME.test(text)
}

/** GITHUB_SERVER_URL/GITHUB_REPOSITORY (e.g. https://github.com/acme/shop), or undefined when either is unset. */
export function repositoryUrl(env: GitHubEnv): string | undefined {
  const server = env.GITHUB_SERVER_URL?.replace(/\/+$/, '')
  const repository = env.GITHUB_REPOSITORY
  return server && repository ? `${server}/${repository}` : undefined
}

/**
 * The run's URL, `<repository URL>/actions/runs/<GITHUB_RUN_ID>`, with `/attempts/<GITHUB_RUN_ATTEMPT>`
 * (1 when unset) when `attempt` is asked for; undefined when the runner did not say which run this is.
 */
export function runUrl(env: GitHubEnv, options: { attempt?: boolean } = {}): string | undefined {
  const repository = repositoryUrl(env)
  const id = env.GITHUB_RUN_ID
  if (!repository || !id) return undefined
  const run = `${repository}/actions/runs/${id}`
  return options.attempt ? `${run}/attempts/${env.GITHUB_RUN_ATTEMPT || '1'}` : run
}
