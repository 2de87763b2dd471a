// The hardening rules GitHub's security guidance asks of workflows, as checks over parsed YAML.
// Each returns human-readable violations; the tests assert none for the repository's workflows
// and at least one for a planted bad workflow, so no rule can pass vacuously.
import { isCommitSha } from '@aks-gitops/toolkit'
import { jobsOf, jobUsesLocal, stepsOf, usesLocal, usesRemote, type Concurrency, type Job, type Workflow } from './load'

export type Rule = (workflow: Workflow) => string[]

const ACTION_PATH = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?$/

/** `owner/repo[/path]@<full commit SHA>`: GitHub's repositories are SHA-1, so 40 lowercase hex digits. */
function isShaPinned(ref: string): boolean {
  const at = ref.lastIndexOf('@')
  return at > 0 && ACTION_PATH.test(ref.slice(0, at)) && isCommitSha(ref.slice(at + 1), { sha1Only: true })
}

const VERSION_COMMENT = /#\s*v\d+\.\d+\.\d+\s*$/
const READ_LEVELS = new Set(['read', 'none'])

/** Permission map of a job ({} when absent or `{}`), `write-all`/`read-all` expanded roughly. */
export function permissionMap(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {}
  if (value === 'read-all') return { contents: 'read' }
  if (value === 'write-all') return { contents: 'write', 'id-token': 'write', packages: 'write' }
  if (typeof value === 'object') return value as Record<string, string>
  throw new Error(`unexpected permissions value ${JSON.stringify(value)}`)
}

/** Top level `permissions: {}` or read-only; every job states its own permissions. */
export const minimalPermissions: Rule = (workflow) => {
  const problems: string[] = []
  if (workflow.permissions === undefined) problems.push(`${workflow.path}: no top-level permissions (defaults may be write)`)
  else {
    for (const [scope, level] of Object.entries(permissionMap(workflow.permissions))) {
      if (!READ_LEVELS.has(level)) problems.push(`${workflow.path}: top-level permission ${scope}: ${level} is not read-only`)
    }
  }
  for (const [id, job] of jobsOf(workflow)) {
    if (job.permissions === undefined) problems.push(`${workflow.path}: job ${id} does not state its permissions`)
  }
  return problems
}

/** Every `uses:` outside this repository is pinned to a full commit SHA with a `# vX.Y.Z` comment. */
export const pinnedActions: Rule = (workflow) => {
  const problems: string[] = []
  workflow.text.split('\n').forEach((line, index) => {
    const match = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line)
    if (!match) return
    const [, ref = '', rest = ''] = match
    if (ref.startsWith('./')) return
    if (ref.startsWith('docker://')) {
      if (!/@sha256:[0-9a-f]{64}$/.test(ref)) problems.push(`${workflow.path}:${index + 1}: ${ref} is not pinned by digest`)
      return
    }
    if (!isShaPinned(ref)) problems.push(`${workflow.path}:${index + 1}: ${ref} is not pinned to a full commit SHA`)
    else if (!VERSION_COMMENT.test(rest)) problems.push(`${workflow.path}:${index + 1}: ${ref} has no '# vX.Y.Z' comment`)
  })
  return problems
}

/** No `${{ }}` inside a run: script: values reach the shell through env: only. */
export const noExpressionsInRun: Rule = (workflow) =>
  jobsOf(workflow).flatMap(([id, job]) =>
    stepsOf(job)
      .filter((step) => typeof step.run === 'string' && step.run.includes('${{'))
      .map((step) => `${workflow.path}: job ${id}, step '${step.name ?? step.id ?? step.run}' expands an expression in run:`),
  )

/** No pull_request_target (it runs with a write token and secrets) together with a checkout of the pull request. */
export const noPullRequestTargetCheckout: Rule = (workflow) => {
  const on = workflow.on
  const events = typeof on === 'string' ? [on] : Array.isArray(on) ? on : Object.keys((on ?? {}) as object)
  if (!events.includes('pull_request_target')) return []
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job)) {
      if (!usesRemote(step, 'actions/checkout')) continue
      const ref = String(step.with?.ref ?? '')
      const repository = String(step.with?.repository ?? '')
      // The default (empty) ref is the base branch, which is safe; the pull request's head is not.
      if (/pull_request\.head|github\.head_ref|refs\/pull\/|merge_commit_sha/.test(ref + repository)) {
        problems.push(`${workflow.path}: job ${id} checks out pull request code under pull_request_target`)
      }
    }
  }
  return problems
}

function pushesWithGit(job: Job): boolean {
  return stepsOf(job).some((step) => typeof step.run === 'string' && /\bgit\s+push\b/.test(step.run))
}

/**
 * Every checkout says persist-credentials explicitly, and keeps the token in .git/config only
 * in a job that itself runs `git push`, with contents: write or a token of its own given to the
 * checkout (a GitHub App token, say, while the job's GITHUB_TOKEN only reads).
 */
export const checkoutCredentials: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    const writes = permissionMap(job.permissions).contents === 'write'
    for (const step of stepsOf(job)) {
      if (!usesRemote(step, 'actions/checkout')) continue
      const persist = step.with?.['persist-credentials']
      if (persist === false || persist === 'false') continue
      const canPush = pushesWithGit(job) && (writes || step.with?.token !== undefined)
      if (!canPush) problems.push(`${workflow.path}: job ${id} keeps checkout credentials but does not push`)
      else if (persist !== true && persist !== 'true') problems.push(`${workflow.path}: job ${id}: set persist-credentials explicitly`)
    }
  }
  return problems
}

/** Secrets the workflows may name: no cloud credential, Azure is reached through OIDC only. */
export const ALLOWED_SECRETS = new Set([
  'GITHUB_TOKEN',
  // The manifest commit's token, or the key of the GitHub App that mints one in the deploy job.
  'GITOPS_PUSH_TOKEN',
  'GITOPS_APP_PRIVATE_KEY',
  // v1.0's name for GITOPS_PUSH_TOKEN, passed by the caller: still honoured, with a warning.
  'manifest-push-token',
  // The release job's token with the Workflows permission, or the key of the App that mints it.
  'RELEASE_TOKEN',
  'RELEASE_APP_PRIVATE_KEY',
])
const CREDENTIAL_INPUTS = /^(password|username|client-secret|creds|credentials|admin-password|registry-password|azure-credentials)$/

export const noCloudSecrets: Rule = (workflow) => {
  const problems: string[] = []
  for (const match of workflow.text.matchAll(/secrets\.([A-Za-z0-9_-]+)|secrets\[['"]([^'"]+)['"]\]/g)) {
    const name = match[1] ?? match[2] ?? ''
    if (!ALLOWED_SECRETS.has(name)) problems.push(`${workflow.path}: uses secret ${name}; Azure access must go through OIDC`)
  }
  if (/secrets:\s*inherit/.test(workflow.text)) problems.push(`${workflow.path}: secrets: inherit hands every secret over`)
  for (const [id, job] of jobsOf(workflow)) {
    for (const step of stepsOf(job)) {
      for (const key of Object.keys(step.with ?? {})) {
        if (CREDENTIAL_INPUTS.test(key)) problems.push(`${workflow.path}: job ${id} passes a credential input '${key}'`)
      }
      if (step.uses?.includes('acr-push')) {
        const auth = String(step.with?.auth ?? '')
        if (!/^(oidc|\$\{\{ inputs\.registry-auth \}\})$/.test(auth)) {
          problems.push(`${workflow.path}: job ${id} runs acr-push with auth '${auth}', not OIDC`)
        }
      }
    }
  }
  return problems
}

/** A job whose steps only fetch artifacts and run actions/attest: no checkout, no script, no registry. */
function isAttestationJob(job: Job): boolean {
  const all = stepsOf(job)
  return all.some((step) => usesRemote(step, 'actions/attest')) && all.every((step) => usesRemote(step, 'actions/attest') || usesRemote(step, 'actions/download-artifact'))
}

/**
 * Privilege separation: the job that builds holds no write scope, no OIDC and no secret; an
 * OIDC job never writes contents; contents: write only where the manifest commit or a tag push is,
 * and pull-requests: write only beside it in a manifest job (its pull-request mode).
 */
export const separatedPrivileges: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    if (job.uses) continue
    const permissions = permissionMap(job.permissions)
    const writes = Object.entries(permissions).filter(([, level]) => level === 'write').map(([scope]) => scope)
    const body = JSON.stringify(job)
    if (jobUsesLocal(job, 'buildx-multiarch')) {
      if (writes.length > 0) problems.push(`${workflow.path}: build job ${id} has write scopes ${writes.join(', ')}`)
      if (body.includes('secrets.')) problems.push(`${workflow.path}: build job ${id} sees a secret`)
      if (job.environment !== undefined) problems.push(`${workflow.path}: build job ${id} runs in an environment`)
    }
    if (permissions['id-token'] === 'write' && isAttestationJob(job)) {
      // Its OIDC token only buys the Sigstore certificate that signs the attestation.
      if (writes.sort().join(',') !== 'attestations,id-token') problems.push(`${workflow.path}: attestation job ${id} writes ${writes.join(', ')}`)
    } else if (permissions['id-token'] === 'write') {
      if (writes.length !== 1) problems.push(`${workflow.path}: OIDC job ${id} has other write scopes: ${writes.join(', ')}`)
      if (!jobUsesLocal(job, 'acr-push')) problems.push(`${workflow.path}: job ${id} can mint OIDC tokens but does not use acr-push`)
    }
    if (permissions.attestations === 'write' && !isAttestationJob(job)) {
      problems.push(`${workflow.path}: job ${id} can write attestations but does more than attest (only actions/attest and download-artifact steps)`)
    }
    if (permissions.contents === 'write') {
      const others = writes.filter((scope) => scope !== 'contents' && !(scope === 'pull-requests' && jobUsesLocal(job, 'bump-manifest')))
      if (others.length > 0) problems.push(`${workflow.path}: job ${id} writes contents and also ${others.join(', ')}`)
      if (!jobUsesLocal(job, 'bump-manifest') && !pushesWithGit(job)) {
        problems.push(`${workflow.path}: job ${id} has contents: write but neither bumps manifests nor pushes`)
      }
    }
  }
  return problems
}

/**
 * Jobs that commit manifests queue per service and environment, are never cancelled midway, and
 * keep every waiting run (`queue: max`): by default GitHub keeps one pending run per group and
 * cancels it when the next arrives, so a rollback waiting behind a deploy could vanish.
 */
export const orderedDeploys: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    // A dry run (the redeploy's look-up of `previous`) writes nothing: it need not queue.
    if (!stepsOf(job).some((step) => usesLocal(step, 'bump-manifest') && String(step.with?.['dry-run']) !== 'true')) continue
    const concurrency = job.concurrency as Concurrency | undefined
    if (!concurrency?.group) {
      problems.push(`${workflow.path}: deploy job ${id} has no concurrency group`)
      continue
    }
    if (concurrency['cancel-in-progress'] !== false) problems.push(`${workflow.path}: deploy job ${id} may be cancelled in progress`)
    if (concurrency.queue !== 'max') problems.push(`${workflow.path}: deploy job ${id} keeps only one pending run (set queue: max)`)
    if (!/service/.test(concurrency.group) || !/environment/.test(concurrency.group)) {
      problems.push(`${workflow.path}: deploy job ${id}'s concurrency group '${concurrency.group}' is not per service and environment`)
    }
  }
  return problems
}

export const RULES = {
  minimalPermissions,
  pinnedActions,
  noExpressionsInRun,
  noPullRequestTargetCheckout,
  checkoutCredentials,
  noCloudSecrets,
  separatedPrivileges,
  orderedDeploys,
} satisfies Record<string, Rule>
