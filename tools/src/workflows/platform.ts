// Rules of the GitHub platform that actionlint and GitHub's schema do not check, but that decide
// whether a workflow works on github.com: which token may push what, where a minted token may
// travel, which concurrency settings GitHub refuses, and which secrets a reusable workflow's job
// can see. Each returns human-readable violations; the tests assert none for the repository's
// workflows and at least one for a planted bad workflow.
import { permissionMap, type Rule } from './hardening'
import { jobsOf, stepsOf, usesLocal, usesRemote, workflowCall, type Concurrency, type Job } from './load'

const APP_TOKEN_ACTION = 'actions/create-github-app-token'
const DEFAULT_TOKEN = /github\.token|secrets\.GITHUB_TOKEN/

/**
 * `queue: max` only where cancel-in-progress is false or absent: "The combination of queue: max
 * and cancel-in-progress: true is not allowed and results in a workflow validation error"
 * (https://docs.github.com/en/actions/how-tos/write-workflows/choose-when-workflows-run/control-workflow-concurrency).
 * An expression might evaluate to true, so it is refused too. GitHub's parser checks the value
 * (single or max) but not this combination.
 */
export const queueWithoutCancel: Rule = (workflow) => {
  const blocks: [string, unknown][] = [['the workflow', workflow.concurrency], ...jobsOf(workflow).map(([id, job]): [string, unknown] => [`job ${id}`, job.concurrency])]
  const problems: string[] = []
  for (const [where, block] of blocks) {
    if (!block || typeof block !== 'object') continue
    const concurrency = block as Concurrency
    if (concurrency.queue !== 'max') continue
    const cancel = concurrency['cancel-in-progress']
    if (cancel !== undefined && cancel !== false) {
      problems.push(`${workflow.path}: ${where} combines queue: max with cancel-in-progress: ${String(cancel)}, which GitHub refuses`)
    }
  }
  return problems
}

/** Secrets and variables an expression names, e.g. ['secrets.RELEASE_TOKEN', 'vars.X']. */
function namedSettings(text: string): string[] {
  return [...text.matchAll(/\b(?:secrets|vars)\.[A-Za-z0-9_-]+/g)].map((match) => match[0]).filter((name) => name !== 'secrets.GITHUB_TOKEN')
}

function pushesTags(job: Job): boolean {
  return stepsOf(job).some((step) => typeof step.run === 'string' && /\bgit\s+push\b[^\n]*(refs\/tags\/|--tags|--follow-tags)/.test(step.run))
}

/**
 * A job that pushes a tag pushes it with a token that holds the Workflows permission, never with
 * GITHUB_TOKEN: GitHub refuses a ref update made with GITHUB_TOKEN whenever .github/workflows/**
 * differs between the old and new commit, and GITHUB_TOKEN cannot hold that permission. The job's
 * first step fails when none of the settings the token comes from is set, before anything runs.
 */
export const tagPushToken: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    if (!pushesTags(job)) continue
    const where = `${workflow.path}: job ${id} pushes a tag`
    const checkout = stepsOf(job).find((step) => usesRemote(step, 'actions/checkout') && String(step.with?.['persist-credentials']) === 'true')
    const token = String(checkout?.with?.token ?? '')
    if (!checkout || token === '' || DEFAULT_TOKEN.test(token)) {
      problems.push(`${where} with GITHUB_TOKEN; give its checkout a token with the Workflows permission`)
      continue
    }
    const app = stepsOf(job).find((step) => usesRemote(step, APP_TOKEN_ACTION))
    if (token.includes('steps.') && String(app?.with?.['permission-workflows']) !== 'write') {
      problems.push(`${where} with an App token minted without permission-workflows: write`)
    }
    const guard = stepsOf(job)[0]
    const needed = namedSettings(`${token} ${JSON.stringify(app?.with ?? {})}`)
    const checked = JSON.stringify(guard?.env ?? {})
    const missing = needed.filter((name) => !checked.includes(name))
    if (typeof guard?.run !== 'string' || missing.length > 0) {
      problems.push(`${where}: its first step does not check ${missing.join(', ') || 'the token settings'} before anything runs`)
    }
  }
  return problems
}

/**
 * A GitHub App installation token is minted in the job that uses it: it expires after an hour, and
 * a job output that carries a secret is redacted on its way to another job. So a token input never
 * reads another job's output, reads only the outputs of an earlier create-github-app-token step of
 * its own job, and no job hands such an output on.
 */
export const tokensMintedInJob: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    const minted = new Set<string>()
    for (const step of stepsOf(job)) {
      for (const [key, value] of Object.entries(step.with ?? {})) {
        if (!/token/.test(key)) continue
        const text = String(value)
        if (/\bneeds\./.test(text)) problems.push(`${workflow.path}: job ${id} takes input ${key} from another job's output`)
        for (const match of text.matchAll(/steps\.([\w-]+)\.outputs\.token\b/g)) {
          if (!minted.has(match[1] ?? '')) problems.push(`${workflow.path}: job ${id} reads a token from step '${match[1]}', which is not an earlier create-github-app-token step of the job`)
        }
      }
      if (step.id && usesRemote(step, APP_TOKEN_ACTION)) minted.add(step.id)
    }
    for (const [name, value] of Object.entries(job.outputs ?? {})) {
      if ([...minted].some((step) => String(value).includes(`steps.${step}.outputs.token`))) {
        problems.push(`${workflow.path}: job ${id} hands the minted token on as output ${name}`)
      }
    }
  }
  return problems
}

/** A manifest job that may open a pull request holds pull-requests: write (and can enable auto-merge). */
export const pullRequestPermission: Rule = (workflow) => {
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    const bump = stepsOf(job).find((step) => usesLocal(step, 'bump-manifest'))
    const mode = bump?.with?.['pull-request']
    if (mode === undefined || mode === false || mode === 'false') continue
    if (permissionMap(job.permissions)['pull-requests'] !== 'write') {
      problems.push(`${workflow.path}: job ${id} may open a pull request (pull-request: ${String(mode)}) without pull-requests: write`)
    }
  }
  return problems
}

/**
 * In a reusable workflow, a job sees the secrets its workflow_call block declares (an environment
 * secret of the same name takes precedence); an undeclared name reads as empty unless the caller
 * passes `secrets: inherit`, which this repository refuses.
 * https://docs.github.com/en/actions/how-tos/reuse-automations/reuse-workflows#using-inputs-and-secrets-in-a-reusable-workflow
 */
export const declaredSecrets: Rule = (workflow) => {
  const call = workflowCall(workflow)
  if (!call) return []
  const declared = Object.keys(call.secrets ?? {})
  const problems: string[] = []
  for (const [id, job] of jobsOf(workflow)) {
    for (const name of namedSettings(JSON.stringify(job)).filter((setting) => setting.startsWith('secrets.'))) {
      const secret = name.slice('secrets.'.length)
      if (!declared.includes(secret)) problems.push(`${workflow.path}: job ${id} reads ${name}, which workflow_call does not declare`)
    }
  }
  return problems
}

export const PLATFORM_RULES = {
  queueWithoutCancel,
  tagPushToken,
  tokensMintedInJob,
  pullRequestPermission,
  declaredSecrets,
} satisfies Record<string, Rule>
