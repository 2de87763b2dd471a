// What to tell a person when Entra finds no federated credential for GitHub's token. Pure.
//
// Entra's "no matching federated identity record" family: AADSTS70021 (no record at all),
// AADSTS700211 (issuer), AADSTS700212 (audience), AADSTS700213 (subject)
// (https://learn.microsoft.com/entra/identity-platform/reference-error-codes). Other Entra errors
// (a wrong secret, a disabled app, a missing tenant) get no such hint: it would mislead.
//
// GitHub's subjects come in two forms (https://docs.github.com/en/actions/reference/security/oidc#immutable-subject-claims,
// https://github.blog/changelog/2026-04-23-immutable-subject-claims-for-github-actions-oidc-tokens):
// repo:ORG/REPO:<context>, and for repositories created, renamed or transferred after 2026-06-18
// (or opted in) repo:OWNER@<owner-id>/REPO@<repo-id>:<context>.

const FEDERATED_MISMATCH = /\bAADSTS(70021|700211|700212|700213)\b/

export function isFederatedCredentialMismatch(message: string): boolean {
  return FEDERATED_MISMATCH.test(message)
}

export interface GitHubTokenClaims {
  sub?: unknown
  iss?: unknown
  aud?: unknown
  repository?: unknown
  repository_owner?: unknown
  repository_owner_id?: unknown
  repository_id?: unknown
}

const text = (value: unknown, fallback: string) => (typeof value === 'string' && value !== '' ? value : fallback)

/** Both subject forms for the job's context (environment:NAME, ref:refs/heads/BRANCH, ...), from the token's own claims. */
export function subjectForms(claims: GitHubTokenClaims): { names: string; immutable: string } {
  const subject = text(claims.sub, '')
  // repo:<owner part>/<repo part>:<context>; names never contain ':'.
  const context = /^repo:[^:]+:(.+)$/.exec(subject)?.[1] ?? 'environment:ENV'
  const repository = text(claims.repository, 'ORG/REPO')
  const owner = text(claims.repository_owner, repository.split('/')[0] ?? 'ORG')
  const name = repository.slice(repository.indexOf('/') + 1)
  return {
    names: `repo:${repository}:${context}`,
    immutable: `repo:${owner}@${text(claims.repository_owner_id, '<owner-id>')}/${name}@${text(claims.repository_id, '<repo-id>')}:${context}`,
  }
}

export function federatedCredentialHint(claims: GitHubTokenClaims, clientId: string): string {
  const forms = subjectForms(claims)
  const repository = text(claims.repository, 'OWNER/REPO')
  return [
    `GitHub presented the subject "${text(claims.sub, '(none)')}" (issuer ${text(claims.iss, '?')}, audience ${text(claims.aud, '?')}).`,
    `The app registration ${clientId} needs a federated credential with exactly that subject, issuer and audience. GitHub issues subjects in one of two forms:`,
    `  ${forms.names}   (repositories created before 2026-06-18 and not renamed, transferred or opted in since)`,
    `  ${forms.immutable}   (immutable IDs: repositories created, renamed or transferred after 2026-06-18, or opted in)`,
    `\`gh api repos/${repository}/actions/oidc/customization/sub\` shows which one this repository uses (use_immutable_subject).`,
  ].join('\n')
}
