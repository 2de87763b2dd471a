// The Argo CD Notifications configuration in k8s-specifications/argocd: argocd-notifications-cm
// (GitHub service, commit-status templates, triggers) and the Applications' subscriptions,
// checked against Argo CD's documented fields (argocd-notifications-checks.ts names the pages),
// and against the contract the deploy job's wait relies on (toolkit commit-status.ts): the status
// context is continuous-delivery/<Application>, the description starts with the revision.
import { readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { argoStatusContext, revisionInDescription } from '@aks-gitops/toolkit'
import { DEFAULT_REVISION_PATH, notificationProblems, renderFields, type NotificationsConfig } from './argocd-notifications-checks'
import { parseObjects, type K8sObject } from './k8s-checks'

// Type-checking the field paths takes a few seconds.
const SLOW = 60000
const ARGOCD = resolve(import.meta.dirname, '../../k8s-specifications/argocd')

function load(): { configMap: K8sObject; config: NotificationsConfig } {
  const configMap = parseObjects(readFileSync(join(ARGOCD, 'notifications-cm.yaml'), 'utf8'))[0]!
  const applications = ['application-staging.yaml', 'application-production.yaml'].flatMap((f) => parseObjects(readFileSync(join(ARGOCD, f), 'utf8')))
  return { configMap, config: { data: { ...(configMap.data as Record<string, string>) }, applications } }
}

/** The configuration with one data entry replaced (undefined removes it). */
function planted(key: string, edit: (text: string) => string | undefined): NotificationsConfig {
  const { config } = load()
  const next = edit(config.data[key] ?? '')
  if (next === undefined) delete config.data[key]
  else config.data[key] = next
  return config
}

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b'
const OTHER = '89e6c98d92887913cadf06b2adb97f26cde4849b'

describe('argocd-notifications-cm', () => {
  it('is the ConfigMap Argo CD reads, in the argocd namespace, listed in the argocd kustomization (not in an app overlay)', () => {
    const { configMap } = load()
    expect(configMap).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-notifications-cm', namespace: 'argocd' } })
    const kustomization = parse(readFileSync(join(ARGOCD, 'kustomization.yaml'), 'utf8')) as { resources: string[] }
    expect(kustomization.resources).toContain('notifications-cm.yaml')
    for (const env of ['staging', 'production']) {
      expect(readFileSync(join(ARGOCD, '..', 'overlays', env, 'kustomization.yaml'), 'utf8')).not.toContain('notifications')
    }
  })

  it('uses only documented fields, GitHub status states, real Application fields, and subscribes both Applications to every trigger', () => {
    const { config } = load()
    expect(notificationProblems(config)).toEqual([])
    // One success and two failure paths, each a trigger the Applications subscribe to.
    const states = Object.entries(config.data)
      .filter(([k]) => k.startsWith('template.'))
      .map(([k, v]) => [k, (parse(v) as { github: { status: { state: string } } }).github.status.state])
    expect(Object.fromEntries(states)).toEqual({
      'template.commit-status-deployed': 'success',
      'template.commit-status-degraded': 'failure',
      'template.commit-status-sync-failed': 'failure',
    })
    for (const app of config.applications) {
      expect(Object.keys(app.metadata!.annotations as object).sort()).toEqual([
        'notifications.argoproj.io/subscribe.on-commit-degraded.github',
        'notifications.argoproj.io/subscribe.on-commit-deployed.github',
        'notifications.argoproj.io/subscribe.on-commit-sync-failed.github',
      ])
    }
  }, SLOW)

  it('holds no secret: the GitHub App id, installation and key are $references to argocd-notifications-secret', () => {
    const { config } = load()
    expect(parse(config.data['service.github']!)).toEqual({ appID: '$github-appID', installationID: '$github-installationID', privateKey: '$github-privateKey' })
    expect(readFileSync(join(ARGOCD, 'notifications-cm.yaml'), 'utf8')).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/)
  })

  it('writes what the waiter reads: context continuous-delivery/<Application>, a description that starts with the synced revision, even cut at 140 characters', () => {
    const { config } = load()
    const app = {
      metadata: { name: 'voting-app-production' },
      spec: { source: { repoURL: 'https://github.com/aks-gitops/aks-gitops.git' } },
      status: {
        sync: { status: 'Synced', revision: SHA },
        health: { status: 'Degraded' },
        operationState: { phase: 'Failed', message: 'one or more objects failed to apply, reason: '.repeat(5), syncResult: { revision: SHA } },
      },
    }
    for (const [key, text] of Object.entries(config.data).filter(([k]) => k.startsWith('template.'))) {
      const template = parse(text) as { message: string; github: { revisionPath?: string; status: { label: string } } }
      const vars = { app, context: parse(config.data.context!) as object }
      // notifications-engine sets the status on the rendered revisionPath, with the message cut at 140 characters as its description.
      expect(renderFields(template.github.revisionPath ?? DEFAULT_REVISION_PATH, vars), key).toBe(SHA)
      const description = renderFields(template.message, vars).slice(0, 140)
      expect(revisionInDescription(description), key).toBe(SHA)
      expect(renderFields(template.github.status.label, vars), key).toBe(argoStatusContext('voting-app-production'))
    }
  })
})

describe('the checks catch planted defects', () => {
  it.each([
    ['a state GitHub does not accept', 'template.commit-status-deployed', (t: string) => t.replace('state: success', 'state: succeeded'), 'is not a commit status state GitHub accepts'],
    ['an undocumented status field', 'template.commit-status-deployed', (t: string) => t.replace('label:', 'context:'), 'unknown field "context"'],
    ['a misspelt Application field in a trigger', 'trigger.on-commit-deployed', (t: string) => t.replace("app.status.health.status == 'Healthy'", "app.status.healt.status == 'Healthy'"), 'app.status.healt.status is not a field of an Argo CD Application'],
    ['a misspelt Application field in a template', 'template.commit-status-degraded', (t: string) => t.replace('{{.app.metadata.name}} is', '{{.app.metadata.nam}} is'), 'app.metadata.nam is not a field'],
    ['an unclosed bracket', 'trigger.on-commit-sync-failed', (t: string) => t.replace("in ['Error', 'Failed']", "in ['Error', 'Failed'"), 'unclosed "["'],
    ['an unterminated string', 'trigger.on-commit-sync-failed', (t: string) => t.replace("'Failed']", "Failed']"), 'unterminated string'],
    ['a missing operator', 'trigger.on-commit-degraded', (t: string) => t.replace("app.status.health.status == 'Degraded'", "app.status.health.status 'Degraded'"), 'two operands without an operator'],
    ['an undocumented function', 'trigger.on-commit-degraded', (t: string) => t.replace('time.Parse(app.status.health', 'time.ParseTime(app.status.health'), 'time.ParseTime is not one of the documented time functions'],
    ['a template no trigger can send', 'trigger.on-commit-degraded', (t: string) => t.replace('send: [commit-status-degraded]', 'send: [commit-status-broken]'), 'sends template "commit-status-broken", which is not defined'],
    ['no oncePer (a status on every refresh)', 'trigger.on-commit-deployed', (t: string) => t.replace(/ *oncePer: .*\n/, ''), 'oncePer is required'],
    ['a description without the revision first', 'template.commit-status-deployed', (t: string) => t.replace('message: "revision {{.app.status.operationState.syncResult.revision}}: {{.app.metadata.name}}', 'message: "{{.app.metadata.name}}'), 'message must start with "revision'],
    ['another status context', 'template.commit-status-sync-failed', (t: string) => t.replace('continuous-delivery/{{', 'argocd/{{'), 'label must be "continuous-delivery/{{.app.metadata.name}}"'],
    ['a context key that is not defined', 'template.commit-status-deployed', (t: string) => t.replace('.context.argocdUrl', '.context.argoUrl'), '.context.argoUrl is not a key of the context entry'],
    ['a private key in the ConfigMap', 'service.github', (t: string) => t.replace('$github-privateKey', '"-----BEGIN RSA PRIVATE KEY-----"'), 'privateKey must be a $reference'],
    ['no GitHub service', 'service.github', () => undefined, 'service.github is missing'],
  ])('%s', (_, key, edit, expected) => {
    const problems = notificationProblems(planted(key, edit))
    expect(problems.join('\n')).toContain(expected)
  }, SLOW)

  it('an Application subscribed to a trigger that does not exist, or to none', () => {
    const { config } = load()
    const [staging, production] = config.applications
    const annotations = staging!.metadata!.annotations as Record<string, string>
    annotations['notifications.argoproj.io/subscribe.on-deployed.github'] = ''
    delete annotations['notifications.argoproj.io/subscribe.on-commit-sync-failed.github']
    production!.metadata!.annotations = {}
    const problems = notificationProblems(config)
    expect(problems).toContain('Application/voting-app-staging: subscribes to trigger "on-deployed", which is not defined')
    expect(problems).toContain('Application/voting-app-staging: not subscribed to trigger "on-commit-sync-failed" (notifications.argoproj.io/subscribe.on-commit-sync-failed.github: "")')
    expect(problems.filter((p) => p.startsWith('Application/voting-app-production: not subscribed'))).toHaveLength(3)
  }, SLOW)

  it('revisionInDescription reads only a full SHA at the start', () => {
    expect(revisionInDescription(`revision ${SHA}: voting-app-staging is Synced and Healthy`)).toBe(SHA)
    expect(revisionInDescription(`revision ${OTHER.toUpperCase()}: x`)).toBe(OTHER)
    expect(revisionInDescription(`voting-app-staging at revision ${SHA}`)).toBeUndefined()
    expect(revisionInDescription(`revision ${SHA.slice(0, 12)}: short`)).toBeUndefined()
    expect(revisionInDescription(`revision ${SHA}abc: longer than a SHA`)).toBeUndefined()
    expect(revisionInDescription(null)).toBeUndefined()
  })
})
