// Provenance attestation settings, decided as docker/build-push-action decides them
// (src/context.ts getAttestArgs, v7.3.0): `mode=min,inline-only=true` when the repository is
// private, `mode=max` otherwise, and a `builder-id` naming the workflow run
// (docker/actions-toolkit src/buildx/build.ts resolveProvenanceAttrs with
// GitHub.workflowRunURL(true): <server>/<owner>/<repo>/actions/runs/<id>/attempts/<n>).
// mode=max records every build argument's value and the Dockerfile itself: for a private
// repository those would leave with the image. Pure: the event payload is passed in.
import { runUrl } from '@aks-gitops/toolkit'

export type ProvenanceChoice = 'auto' | 'min' | 'max' | 'false'
export type ProvenanceMode = 'min' | 'max' | false

type Env = Record<string, string | undefined>

/** `repository.private` of the event payload (GITHUB_EVENT_PATH); false when absent, as build-push-action reads it. */
export function repositoryIsPrivate(eventPayload: string | undefined): boolean {
  if (!eventPayload) return false
  try {
    const payload = JSON.parse(eventPayload) as { repository?: { private?: unknown } }
    return payload.repository?.private === true
  } catch {
    return false
  }
}

export function provenanceMode(choice: ProvenanceChoice, privateRepository: boolean): ProvenanceMode {
  if (choice === 'false') return false
  if (choice === 'auto') return privateRepository ? 'min' : 'max'
  return choice
}

/** The `--provenance` value: `mode=...` plus build-push-action's extra attribute for min, plus builder-id. */
export function provenanceAttrs(mode: 'min' | 'max', env: Env): string {
  const attrs = [`mode=${mode}`]
  if (mode === 'min') attrs.push('inline-only=true')
  // The run's URL with its attempt; none off GitHub (no run to name).
  const id = runUrl(env, { attempt: true })
  if (id) attrs.push(`builder-id=${id}`)
  return attrs.join(',')
}
