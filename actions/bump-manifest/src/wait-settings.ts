// The inputs of the wait for Argo CD's commit status, validated from their raw text (inputs.ts
// reads them): which Application, which status context, how long, how often. Pure.
import { argoStatusContext, InputError, isOwnerName } from '@aks-gitops/toolkit'

export interface WaitSettings {
  /** The Argo CD Application whose status is awaited ({environment} already replaced). */
  application: string
  /** The commit status context its template sets (github.status.label). */
  context: string
  timeoutSeconds: number
  intervalSeconds: number
  /** Reads the commit statuses (statuses: read); the token input unless status-token is given. */
  token: string
}

export interface RawWaitInputs {
  application: string
  context: string
  timeout: string
  interval: string
  statusToken: string
}

export interface WaitContext {
  environment?: string
  token?: string
  /** What the step is set to do, for the inputs the wait cannot follow. */
  pullRequest: boolean
  push: boolean
  dryRun: boolean
  repository?: string
}

export const DEFAULT_WAIT_TIMEOUT = '15m'
export const DEFAULT_WAIT_INTERVAL = '15s'
const MAX_TIMEOUT_SECONDS = 6 * 3600 // a job runs at most 6 hours on GitHub-hosted runners
const UNITS: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600 }
// An Application name is a Kubernetes object name (DNS-1123 subdomain).
const APPLICATION_NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/

/** "90", "90s", "15m", "1h" as whole seconds. */
export function parseDuration(name: string, text: string, range: { min: number; max: number }): number {
  const m = /^([0-9]{1,6})([smh]?)$/.exec(text.trim())
  if (!m) throw new InputError(name, `"${text}" is not a duration (expected whole seconds, or a number with s, m or h: 90, 90s, 15m, 1h)`)
  const seconds = Number(m[1]) * UNITS[m[2]!]!
  if (seconds < range.min || seconds > range.max) throw new InputError(name, `${text} is out of range (expected ${range.min} s to ${range.max} s)`)
  return seconds
}

/** The wait's settings, or undefined when wait-for-application is empty (no wait). */
export function parseWaitSettings(raw: RawWaitInputs, ctx: WaitContext): WaitSettings | undefined {
  const template = raw.application.trim()
  if (template === '') {
    for (const [name, value] of [['wait-context', raw.context], ['wait-timeout', raw.timeout], ['wait-interval', raw.interval]] as const) {
      if (value.trim() !== '') throw new InputError(name, 'needs wait-for-application (the Argo CD Application whose status to wait for)')
    }
    return undefined
  }
  if (template.includes('{environment}') && !ctx.environment) throw new InputError('wait-for-application', `"${template}" uses {environment} but no environment input was given`)
  const application = template.replaceAll('{environment}', ctx.environment ?? '')
  if (!APPLICATION_NAME.test(application)) {
    throw new InputError('wait-for-application', `"${application}" is not an Argo CD Application name (lowercase letters, digits, - and ., at most 253)`)
  }
  // Argo CD syncs the branch; the wait needs the commit that lands there, made by this step.
  if (ctx.pullRequest) {
    throw new InputError(
      'wait-for-application',
      'cannot be used with pull-request: the commit Argo CD syncs is the merge of the pull request, made after this step ends; wait in a workflow that runs on the push to the branch Argo CD tracks',
    )
  }
  if (ctx.dryRun || !ctx.push) throw new InputError('wait-for-application', 'needs a pushed commit (commit, push true and dry-run false): Argo CD can only sync what reached the remote')
  if (!isOwnerName(ctx.repository)) throw new InputError('wait-for-application', 'needs GITHUB_REPOSITORY (owner/name), the repository whose commit statuses it reads')
  const token = raw.statusToken.trim() || ctx.token
  if (!token) throw new InputError('status-token', 'or token is required with wait-for-application (it reads commit statuses: statuses: read)')
  const context = raw.context.trim() || argoStatusContext(application)
  if (/[\r\n]/.test(context)) throw new InputError('wait-context', 'must be one line')
  const timeoutSeconds = parseDuration('wait-timeout', raw.timeout.trim() || DEFAULT_WAIT_TIMEOUT, { min: 1, max: MAX_TIMEOUT_SECONDS })
  const intervalSeconds = parseDuration('wait-interval', raw.interval.trim() || DEFAULT_WAIT_INTERVAL, { min: 1, max: 600 })
  if (intervalSeconds > timeoutSeconds) throw new InputError('wait-interval', `${intervalSeconds} s is longer than wait-timeout (${timeoutSeconds} s)`)
  return { application, context, timeoutSeconds, intervalSeconds, token }
}
