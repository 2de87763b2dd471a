// What GitHub's answers mean for the API paths: a refused ref update (commit-method api) and a
// refused auto-merge (pull-request mode). Pure: Octokit's errors narrowed to status codes and
// messages here, then a verdict out. A rate limit (403 or 429 by rate-limit.ts's rule) is none of
// these verdicts: github() turns it into a RateLimitedError before any catch block sorts the answer.
import { classifyPushFailure, errorMessage, isTransientHttpStatus, isTransientNetworkError, pushFailureHelp, type PushFailureKind } from '@aks-gitops/toolkit'

/** Status and GitHub's own message of an Octokit RequestError (REST), or status 0 and the message of anything else thrown. */
export function restFailure(error: unknown): { status: number; message: string } {
  const e = error as { status?: unknown; response?: { data?: { message?: unknown } } } | null
  const status = typeof e?.status === 'number' ? e.status : 0
  const data = e?.response?.data?.message
  return { status, message: typeof data === 'string' ? data : errorMessage(error) }
}

/** GraphQL errors arrive with HTTP 200 as `{errors: [{message}]}`; @octokit/graphql throws them with `errors`. */
export function graphqlMessages(error: unknown): string[] {
  const errors = (error as { errors?: { message?: unknown }[] } | null)?.errors
  if (Array.isArray(errors)) return errors.map((e) => String(e.message ?? ''))
  return [errorMessage(error)]
}

/**
 * Sorts a refused `PATCH /repos/{owner}/{repo}/git/refs/heads/{branch}`
 * (https://docs.github.com/en/rest/git/refs#update-a-reference: 200, 409 and 422 with
 * `{message, documentation_url}`). Only "Update is not a fast forward" (the branch moved since it
 * was read) is worth another attempt; a ruleset or branch protection ("Repository rule violations
 * found", "Reference cannot be updated"), a missing permission or an empty repository (409 "Git
 * Repository is empty.") will say the same thing again.
 */
export function refUpdateFailure(status: number, message: string): PushFailureKind {
  if (status === 422 && /not a fast.?forward/i.test(message)) return 'non-fast-forward'
  // Creating pull-request mode's branch after another run created it: the branch moved, as above.
  if (status === 422 && /reference already exists/i.test(message)) return 'non-fast-forward'
  // Rulesets and branch protection refuse a ref update in the words (and GH0xx codes) they refuse a
  // push in: the toolkit's push classifier holds that rule; "Reference cannot be updated" is the API's own.
  if (/reference cannot be updated/i.test(message) || classifyPushFailure(message) === 'protected-branch') return 'protected-branch'
  if (status === 401 || status === 403 || status === 404) return 'authentication'
  // A 5xx or 429 (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api), or
  // a 408 (see isTransientGitHubFailure), may come after the ref moved: publish() compares the branch
  // with the commit before trying again.
  if (isTransientHttpStatus(status)) return 'transient'
  return 'other'
}

/**
 * A GitHub API call worth another attempt: a status the toolkit calls transient (408, 429, 5xx) or
 * a network error with no answer. 408 counts although GitHub documents none for the Git Data API
 * (Update a reference answers 200, 409 or 422): a request GitHub stops after 10 s gets "a timeout
 * response" of unnamed status
 * (https://docs.github.com/en/rest/using-the-rest-api/troubleshooting-the-rest-api#timeouts), and
 * GitHub's own client retries it (@octokit/plugin-retry: every 4xx/5xx but 400, 401, 403, 404, 410,
 * 422, 451). Another attempt is safe even if the ref moved meanwhile: publish() first checks
 * whether the commit landed.
 */
export function isTransientGitHubFailure(status: number, error: unknown): boolean {
  return isTransientHttpStatus(status) || isTransientNetworkError(error)
}

const REF_UPDATE_HELP: Partial<Record<PushFailureKind, string>> = {
  'non-fast-forward': 'the branch moved since it was read (not a fast forward)',
  'protected-branch':
    'a ruleset or branch protection rule refused it; GITHUB_TOKEN cannot bypass rulesets: use pull-request mode (a required pull request or required checks) or a token on the bypass list',
  'hook-declined': 'a server-side hook declined it',
  authentication: 'the token may not write to this repository (it needs contents: write)',
  other: 'GitHub refused it',
}

export function refUpdateHelp(kind: PushFailureKind): string {
  return REF_UPDATE_HELP[kind] ?? pushFailureHelp(kind)
}

/** Why `enablePullRequestAutoMerge` was refused, when the refusal is the repository's state rather than a fault. */
export type AutoMergeRefusal = 'not-allowed' | 'already-mergeable'

/**
 * GraphQL refusals of `enablePullRequestAutoMerge` that leave a working pull request, only not set
 * to merge itself: "Auto merge is not allowed for this repository" (the repository setting "Allow
 * auto-merge" is off), "Pull request is in clean status" / "unstable status" (nothing left to wait
 * for: the mutation only arms a pull request that is still blocked; "Can't enable auto-merge for
 * this pull request" is the same race seen when the last check passes first), and "Protected branch
 * rules not configured for this branch" (nothing to wait for either). Anything else (a missing
 * permission, a merge method the repository does not allow) is a configuration error.
 * https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/incorporating-changes-from-a-pull-request/automatically-merging-a-pull-request
 */
export function autoMergeRefusal(message: string): AutoMergeRefusal | undefined {
  if (/auto.?merge is not allowed|not allowed to use auto.?merge/i.test(message)) return 'not-allowed'
  if (/is in (clean|unstable|has_hooks) status|protected branch rules not configured|can'?t enable auto-?merge for this pull request/i.test(message)) return 'already-mergeable'
  return undefined
}

export const AUTO_MERGE_HELP: Record<AutoMergeRefusal, string> = {
  'not-allowed': 'the repository does not allow auto-merge (Settings > General > Allow auto-merge)',
  'already-mergeable': 'the pull request can already be merged (no required check or review is pending), so there is nothing for auto-merge to wait for',
}

/** The messages of a REST error's `errors` array: 422 "Validation Failed" carries its reason there. */
export function restErrorMessages(error: unknown): string[] {
  const errors = (error as { response?: { data?: { errors?: unknown } } } | null)?.response?.data?.errors
  if (!Array.isArray(errors)) return []
  return errors.map((e: unknown) => (typeof e === 'string' ? e : String((e as { message?: unknown } | null)?.message ?? ''))).filter((m) => m !== '')
}

/** Why `POST /repos/{owner}/{repo}/pulls` refused, when the refusal has a known remedy. */
export type PullRequestCreateRefusal = 'already-exists' | 'actions-not-permitted' | 'no-permission'

/**
 * Sorts a refused "Create a pull request"
 * (https://docs.github.com/en/rest/pulls/pulls#create-a-pull-request: 201, 403, 422). The bodies GitHub sends:
 * - 422 `{"message":"Validation Failed","errors":[{"resource":"PullRequest","code":"custom","message":"A pull request already exists for OWNER:BRANCH."}]}`:
 *   another run opened it first;
 * - 403 `{"message":"GitHub Actions is not permitted to create or approve pull requests."}`: GITHUB_TOKEN,
 *   and the repository (or its organization) leaves "Allow GitHub Actions to create and approve pull
 *   requests" off, the default for new repositories since 2022-05
 *   (https://github.blog/changelog/2022-05-03-github-actions-prevent-github-actions-from-creating-and-approving-pull-requests/);
 * - 403 `{"message":"Resource not accessible by integration"}`: the token lacks `pull-requests: write`.
 */
export function pullRequestCreateRefusal(status: number, message: string, details: readonly string[]): PullRequestCreateRefusal | undefined {
  if (status === 422 && details.some((d) => /a pull request already exists/i.test(d))) return 'already-exists'
  if (status === 403 && /not permitted to create or approve pull requests/i.test(message)) return 'actions-not-permitted'
  if (status === 403 && /resource not accessible by integration/i.test(message)) return 'no-permission'
  return undefined
}

export const PULL_REQUEST_CREATE_HELP: Record<Exclude<PullRequestCreateRefusal, 'already-exists'>, string> = {
  'actions-not-permitted':
    'GITHUB_TOKEN may not open pull requests in this repository. Either turn on Settings > Actions > General > Workflow permissions > ' +
    '"Allow GitHub Actions to create and approve pull requests" (in an organization its own Actions setting must allow it first), ' +
    'or, better, pass a GitHub App installation token as the token input: a pull request opened with GITHUB_TOKEN starts no ' +
    'pull_request workflow, so its required checks never report and auto-merge waits forever',
  'no-permission': 'the token may not open pull requests: give the job `permissions: pull-requests: write` (a GitHub App: Pull requests, read and write)',
}
