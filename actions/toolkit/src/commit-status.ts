// The contract between the Argo CD Notifications templates in
// k8s-specifications/argocd/notifications-cm.yaml and the deploy job that waits for their GitHub
// commit status: the status context, and the revision every status description starts with.
// One home, so the configuration's test and bump-manifest read the same rule.
import { isCommitSha } from './commit-sha'

/** The states GitHub's commit status API accepts (https://docs.github.com/en/rest/commits/statuses#create-a-commit-status). */
export const COMMIT_STATUS_STATES = ['error', 'failure', 'pending', 'success'] as const
export type CommitStatusState = (typeof COMMIT_STATUS_STATES)[number]

export function isCommitStatusState(value: string): value is CommitStatusState {
  return (COMMIT_STATUS_STATES as readonly string[]).includes(value)
}

/** The status context (the template's github.status.label) for an Argo CD Application. */
export function argoStatusContext(application: string): string {
  return `continuous-delivery/${application}`
}

// "revision <sha>" first: Argo CD cuts the description at 140 characters
// (notifications-engine pkg/services/github.go), so the revision must come before anything long.
// The word after "revision" is the whole run of letters and digits, so a longer one never passes as a SHA.
const DESCRIPTION_REVISION = /^revision ([0-9a-z]+)/i

/** The full commit SHA a status description starts with ("revision <sha>: ..."), lowercased, or undefined when it names none. */
export function revisionInDescription(description: string | null | undefined): string | undefined {
  const word = DESCRIPTION_REVISION.exec(description ?? '')?.[1]
  // Argo CD writes the synced revision in full; either case is read.
  return word !== undefined && isCommitSha(word, { anyCase: true }) ? word.toLowerCase() : undefined
}
