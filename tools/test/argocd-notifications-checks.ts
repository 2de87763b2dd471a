// Offline checks of the Argo CD Notifications configuration (argocd-notifications-cm) against the
// fields Argo CD documents and its notifications engine decodes:
//   docs/operator-manual/notifications/services/github.md (service.github, template github.status),
//   docs/operator-manual/notifications/triggers.md and templates.md, functions.md (time.*),
//   docs/operator-manual/notifications/subscriptions.md (notifications.argoproj.io/subscribe.<trigger>.<service>)
// of argoproj/argo-cd, and the JSON tags of argoproj/notifications-engine pkg/services/github.go
// (GitHubOptions, GitHubNotification, GitHubStatus), pkg/triggers/service.go (Condition) and
// pkg/api/config.go (which data keys it reads). Every `app.…` field a trigger or template reads
// is type-checked against @kubernetes-models/argo-cd's Application, so a misspelt status field
// fails here instead of silently evaluating to nil in the cluster.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import ts from 'typescript'
import { parse } from 'yaml'
import { argoStatusContext, errorMessage, isCommitStatusState, COMMIT_STATUS_STATES } from '@aks-gitops/toolkit'
import type { K8sObject } from './k8s-checks'

type Obj = Record<string, unknown>

// notifications-engine pkg/services/github.go GitHubOptions (+ httputil.TransportOptions).
const GITHUB_SERVICE_FIELDS = ['appID', 'installationID', 'privateKey', 'enterpriseBaseURL', 'insecureSkipVerify', 'maxIdleConns', 'maxIdleConnsPerHost', 'maxConnsPerHost', 'idleConnTimeout']
// pkg/services/services.go Notification: the message and the per-service parts.
const TEMPLATE_FIELDS = ['message', 'awssqs', 'gcppubsub', 'email', 'slack', 'mattermost', 'rocketchat', 'teams', 'teams-workflows', 'webhook', 'opsgenie', 'github', 'alertmanager', 'googlechat', 'pagerduty', 'pagerdutyv2', 'newrelic']
// GitHubNotification and GitHubStatus.
const GITHUB_TEMPLATE_FIELDS = ['status', 'deployment', 'pullRequestComment', 'repoURLPath', 'revisionPath', 'checkRun', 'repositoryDispatch']
const GITHUB_STATUS_FIELDS = ['state', 'label', 'targetURL']
// pkg/triggers/service.go Condition.
const CONDITION_FIELDS = ['oncePer', 'when', 'description', 'send']
// The default revisionPath (pkg/services/github.go revisionTemplate; github.md: "can be omitted").
export const DEFAULT_REVISION_PATH = '{{.app.status.operationState.syncResult.revision}}'
// functions.md: time.Now(), time.Parse(), the durations and layouts; methods of Go's time.Time and time.Duration.
const TIME_MEMBERS = new Set(['Now', 'Parse', 'Nanosecond', 'Microsecond', 'Millisecond', 'Second', 'Minute', 'Hour', 'RFC3339', 'RFC3339Nano'])
const TIME_METHODS = new Set(['Add', 'Sub', 'Before', 'After', 'Equal', 'Minutes', 'Seconds', 'Hours', 'Format', 'Local', 'UTC', 'Unix'])
// expr-lang's operators and literals that read like identifiers.
const EXPR_WORDS = new Set(['and', 'or', 'not', 'in', 'nil', 'true', 'false', 'matches', 'contains', 'startsWith', 'endsWith'])
const SUBSCRIBE = /^notifications\.argoproj\.io\/subscribe\.([^.]+)\.([^.]+)$/

export interface NotificationsConfig {
  /** data of argocd-notifications-cm. */
  data: Record<string, string>
  applications: K8sObject[]
}

/** A field path an expression or template reads, e.g. ["status", "operationState", "phase"] under app. */
interface AppPath {
  where: string
  path: string[]
}

function yamlOf(where: string, text: string, problems: string[]): unknown {
  try {
    return parse(text) as unknown
  } catch (error) {
    problems.push(`${where}: not YAML: ${errorMessage(error)}`)
    return undefined
  }
}

function unknownFields(where: string, value: unknown, allowed: readonly string[], problems: string[]): value is Obj {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${where}: expected a mapping`)
    return false
  }
  for (const key of Object.keys(value)) if (!allowed.includes(key)) problems.push(`${where}: unknown field "${key}" (documented: ${allowed.join(', ')})`)
  return true
}

/** The actions of a Go template, `{{ … }}`, or a problem when the braces do not pair. */
function templateActions(where: string, text: string, problems: string[]): string[] {
  const actions: string[] = []
  let rest = text
  for (;;) {
    const open = rest.indexOf('{{')
    const close = rest.indexOf('}}')
    if (open < 0) {
      if (close >= 0) problems.push(`${where}: "}}" without "{{"`)
      return actions
    }
    const end = rest.indexOf('}}', open + 2)
    if (end < 0 || (close >= 0 && close < open)) {
      problems.push(`${where}: unbalanced {{ }}`)
      return actions
    }
    actions.push(rest.slice(open + 2, end).trim())
    rest = rest.slice(end + 2)
  }
}

/** Checks one template string: each action is a field of .app or a key of .context. */
function checkTemplateText(where: string, text: string, context: Obj, paths: AppPath[], problems: string[]): void {
  for (const action of templateActions(where, text, problems)) {
    const field = /^\.(app|context)((?:\.[A-Za-z_][A-Za-z0-9_]*)+)$/.exec(action)
    if (!field) {
      problems.push(`${where}: {{${action}}} is not a plain field of .app or .context (the only forms this configuration uses)`)
      continue
    }
    const path = field[2]!.slice(1).split('.')
    if (field[1] === 'app') paths.push({ where, path })
    else if (path.length !== 1 || !(path[0]! in context)) problems.push(`${where}: .context.${path.join('.')} is not a key of the context entry`)
  }
}

export type Token = { kind: 'name' | 'string' | 'number' | 'op' | 'open' | 'close' | 'dot'; text: string; optional?: boolean }

/** expr-lang's lexical structure, as far as these conditions use it; undefined plus a problem on a character it does not have. */
export function tokens(where: string, text: string, problems: string[]): Token[] | undefined {
  const out: Token[] = []
  let i = 0
  while (i < text.length) {
    const rest = text.slice(i)
    const space = /^\s+/.exec(rest)
    if (space) {
      i += space[0].length
      continue
    }
    const string = /^'(?:[^'\\]|\\.)*'|^"(?:[^"\\]|\\.)*"/.exec(rest)
    const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest)
    const number = /^[0-9]+(?:\.[0-9]+)?/.exec(rest)
    const op = /^(==|!=|<=|>=|&&|\|\||[<>!+\-*/%])/.exec(rest)
    if (string) out.push({ kind: 'string', text: string[0] })
    else if (name) out.push({ kind: 'name', text: name[0] })
    else if (number) out.push({ kind: 'number', text: number[0] })
    else if (rest.startsWith('?.')) out.push({ kind: 'dot', text: '?.', optional: true })
    else if (rest.startsWith('.')) out.push({ kind: 'dot', text: '.' })
    else if (op) out.push({ kind: 'op', text: op[0] })
    else if ('([{'.includes(rest[0]!)) out.push({ kind: 'open', text: rest[0]! })
    else if (')]}'.includes(rest[0]!)) out.push({ kind: 'close', text: rest[0]! })
    else if (rest[0] === ',') out.push({ kind: 'op', text: ',' })
    else {
      problems.push(`${where}: unexpected "${rest[0]}" at ${i}${rest[0] === "'" || rest[0] === '"' ? ' (an unterminated string)' : ''}`)
      return undefined
    }
    i += out.at(-1)!.text.length
  }
  return out
}

/** Checks one trigger expression (when or oncePer): brackets pair, names are app, time or expr words, app fields exist. */
function checkExpression(where: string, text: string, paths: AppPath[], problems: string[]): void {
  const list = tokens(where, text, problems)
  if (!list || list.length === 0) {
    if (list) problems.push(`${where}: empty expression`)
    return
  }
  const stack: string[] = []
  const pairs: Record<string, string> = { ')': '(', ']': '[', '}': '{' }
  for (const t of list) {
    if (t.kind === 'open') stack.push(t.text)
    if (t.kind === 'close' && stack.pop() !== pairs[t.text]) {
      problems.push(`${where}: unbalanced "${t.text}"`)
      return
    }
  }
  if (stack.length > 0) problems.push(`${where}: unclosed "${stack.join('')}"`)
  // Two operands or two binary operators in a row cannot parse.
  const operand = (t: Token | undefined) => t !== undefined && (t.kind === 'string' || t.kind === 'number' || (t.kind === 'name' && !['and', 'or', 'not', 'in'].includes(t.text)))
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!
    const before = list[i - 1]
    if (operand(t) && (operand(before) || before?.kind === 'close')) problems.push(`${where}: "${before!.text} ${t.text}": two operands without an operator`)
    if (t.kind === 'name' && before?.kind === 'dot' && list[i - 2]?.kind === 'close' && !TIME_METHODS.has(t.text)) {
      problems.push(`${where}: .${t.text}() is not a method of Go's time.Time or time.Duration`)
    }
    if (t.kind !== 'name' || before?.kind === 'dot') continue
    // A member chain starting at a root name: name (. name)*
    const chain = [t.text]
    let j = i + 1
    while (list[j]?.kind === 'dot' && list[j + 1]?.kind === 'name') {
      chain.push(list[j + 1]!.text)
      j += 2
    }
    const root = chain[0]!
    if (root === 'app') paths.push({ where, path: chain.slice(1) })
    else if (root === 'time') {
      if (!TIME_MEMBERS.has(chain[1] ?? '')) problems.push(`${where}: time.${chain[1] ?? ''} is not one of the documented time functions`)
    } else if (!EXPR_WORDS.has(root) && !TIME_METHODS.has(root)) problems.push(`${where}: unknown name "${root}" (expressions read app and time)`)
    // Method calls on a time value: .Add( .Before( … are Go methods, not fields.
    for (const name of chain.slice(root === 'app' ? chain.length : 2)) {
      if (!TIME_METHODS.has(name)) problems.push(`${where}: .${name} is not a method of Go's time.Time or time.Duration`)
    }
  }
}

/**
 * Type-checks every app field path against @kubernetes-models/argo-cd's IApplication: each path
 * becomes `app.a?.b?.c` in a generated file, where a field the type lacks is a compile error.
 */
function appPathProblems(paths: readonly AppPath[]): string[] {
  if (paths.length === 0) return []
  const dir = mkdtempSync(join(tmpdir(), 'argocd-paths-'))
  try {
    const file = join(dir, 'paths.ts')
    const model = fileURLToPath(import.meta.resolve('@kubernetes-models/argo-cd/argoproj.io/v1alpha1/Application')).replace(/\.js$/, '')
    const lines = [`import type { IApplication } from ${JSON.stringify(model)}`, 'declare const app: IApplication']
    for (const [i, p] of paths.entries()) lines.push(`export const p${i} = app${p.path.map((k) => `?.${k}`).join('')}`)
    writeFileSync(file, lines.join('\n') + '\n')
    const program = ts.createProgram([file], { strict: true, noEmit: true, skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, types: [] })
    return ts.getPreEmitDiagnostics(program).map((d) => {
      const line = d.file && d.start !== undefined ? d.file.getLineAndCharacterOfPosition(d.start).line - 2 : -1
      const p = paths[line]
      const message = ts.flattenDiagnosticMessageText(d.messageText, ' ')
      return p ? `${p.where}: app.${p.path.join('.')} is not a field of an Argo CD Application (${message})` : message
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function checkService(data: Record<string, string>, problems: string[]): void {
  const text = data['service.github']
  if (text === undefined) {
    problems.push('service.github is missing')
    return
  }
  const service = yamlOf('service.github', text, problems)
  if (!unknownFields('service.github', service, GITHUB_SERVICE_FIELDS, problems)) return
  for (const key of ['appID', 'installationID', 'privateKey']) if (service[key] === undefined || service[key] === '') problems.push(`service.github: ${key} is required`)
  // The key lives in argocd-notifications-secret: the ConfigMap holds only a $reference to it.
  if (!/^\$[\w-]+$/.test(String(service.privateKey ?? ''))) problems.push('service.github: privateKey must be a $reference to a key of argocd-notifications-secret, never the key itself')
}

function checkTemplate(name: string, text: string, context: Obj, paths: AppPath[], problems: string[]): void {
  const where = `template.${name}`
  const template = yamlOf(where, text, problems)
  if (!unknownFields(where, template, TEMPLATE_FIELDS, problems)) return
  if (typeof template.message !== 'string' || template.message === '') problems.push(`${where}: message is required (it becomes the status description)`)
  const github = template.github
  if (github === undefined) return
  if (!unknownFields(`${where}.github`, github, GITHUB_TEMPLATE_FIELDS, problems)) return
  const revisionPath = typeof github.revisionPath === 'string' ? github.revisionPath : DEFAULT_REVISION_PATH
  for (const key of ['repoURLPath', 'revisionPath'] as const) {
    if (github[key] !== undefined) checkTemplateText(`${where}.github.${key}`, String(github[key]), context, paths, problems)
  }
  checkTemplateText(`${where}.message`, String(template.message ?? ''), context, paths, problems)
  // The waiter's contract (toolkit commit-status.ts): the description starts with the revision the status is set on.
  if (!String(template.message ?? '').startsWith(`revision ${revisionPath}`)) {
    problems.push(`${where}.message must start with "revision ${revisionPath}" (the revision the status is set on), so the waiter can tell which revision it is about`)
  }
  const status = github.status
  if (status === undefined) return
  if (!unknownFields(`${where}.github.status`, status, GITHUB_STATUS_FIELDS, problems)) return
  if (!isCommitStatusState(String(status.state ?? ''))) problems.push(`${where}.github.status.state: "${String(status.state)}" is not a commit status state GitHub accepts (${COMMIT_STATUS_STATES.join(', ')})`)
  if (status.label !== argoStatusContext('{{.app.metadata.name}}')) problems.push(`${where}.github.status.label must be "${argoStatusContext('{{.app.metadata.name}}')}", the context the waiter reads`)
  for (const key of ['label', 'targetURL'] as const) checkTemplateText(`${where}.github.status.${key}`, String(status[key] ?? ''), context, paths, problems)
}

function checkTrigger(name: string, text: string, templates: Set<string>, paths: AppPath[], problems: string[]): void {
  const where = `trigger.${name}`
  const conditions = yamlOf(where, text, problems)
  if (!Array.isArray(conditions) || conditions.length === 0) {
    problems.push(`${where}: expected a list of conditions`)
    return
  }
  conditions.forEach((condition: unknown, i) => {
    const at = `${where}[${i}]`
    if (!unknownFields(at, condition, CONDITION_FIELDS, problems)) return
    if (typeof condition.when !== 'string') problems.push(`${at}: when is required`)
    else checkExpression(`${at}.when`, condition.when, paths, problems)
    // Without oncePer a flapping condition sets the same status again and again (triggers.md).
    if (typeof condition.oncePer !== 'string') problems.push(`${at}: oncePer is required (one status per revision)`)
    else checkExpression(`${at}.oncePer`, condition.oncePer, paths, problems)
    const send = Array.isArray(condition.send) ? condition.send.map(String) : []
    if (send.length === 0) problems.push(`${at}: send names no template`)
    for (const t of send) if (!templates.has(t)) problems.push(`${at}: sends template "${t}", which is not defined`)
  })
}

function checkSubscriptions(applications: K8sObject[], triggers: Set<string>, services: Set<string>, problems: string[]): void {
  for (const app of applications) {
    const id = `Application/${app.metadata?.name ?? '?'}`
    const annotations = (app.metadata?.annotations ?? {}) as Record<string, string>
    const subscribed = new Set<string>()
    for (const key of Object.keys(annotations)) {
      if (!key.startsWith('notifications.argoproj.io/')) continue
      const m = SUBSCRIBE.exec(key)
      if (!m) {
        problems.push(`${id}: annotation ${key} is not notifications.argoproj.io/subscribe.<trigger>.<service>`)
        continue
      }
      if (!triggers.has(m[1]!)) problems.push(`${id}: subscribes to trigger "${m[1]}", which is not defined`)
      if (!services.has(m[2]!)) problems.push(`${id}: subscribes with service "${m[2]}", which is not configured`)
      subscribed.add(m[1]!)
    }
    for (const t of triggers) if (!subscribed.has(t)) problems.push(`${id}: not subscribed to trigger "${t}" (notifications.argoproj.io/subscribe.${t}.github: "")`)
  }
}

/** Every problem of the configuration; empty when it holds. */
export function notificationProblems(config: NotificationsConfig): string[] {
  const problems: string[] = []
  const paths: AppPath[] = []
  const { data } = config
  for (const key of Object.keys(data)) {
    if (!/^(service\.[^.]+(\.[^.]+)?|template\..+|trigger\..+|defaultTriggers(\..+)?|context|subscriptions)$/.test(key)) problems.push(`data.${key}: not a key argocd-notifications-cm reads`)
  }
  checkService(data, problems)
  const context = (data.context === undefined ? {} : yamlOf('context', data.context, problems)) as Obj
  if (data.context !== undefined && !/^https:\/\/[^\s/]+/.test(String(context?.argocdUrl ?? ''))) problems.push('context: argocdUrl must be the https URL of Argo CD (the statuses link there)')
  const templates = new Set(Object.keys(data).filter((k) => k.startsWith('template.')).map((k) => k.slice('template.'.length)))
  const triggers = new Set(Object.keys(data).filter((k) => k.startsWith('trigger.')).map((k) => k.slice('trigger.'.length)))
  const services = new Set(Object.keys(data).filter((k) => k.startsWith('service.')).map((k) => k.split('.').at(-1)!))
  for (const name of templates) checkTemplate(name, data[`template.${name}`]!, context ?? {}, paths, problems)
  for (const name of triggers) checkTrigger(name, data[`trigger.${name}`]!, templates, paths, problems)
  checkSubscriptions(config.applications, triggers, services, problems)
  return [...problems, ...appPathProblems(paths)]
}

/** Renders a template string whose actions are plain fields (what checkTemplateText allows) with the values given. */
export function renderFields(text: string, vars: Obj): string {
  return text.replace(/\{\{\s*\.([A-Za-z0-9_.]+)\s*\}\}/g, (_, path: string) => {
    const value = path.split('.').reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Obj)[k] : undefined), vars)
    // Go's text/template prints a missing map key as "<no value>".
    return value === undefined ? '<no value>' : String(value)
  })
}
