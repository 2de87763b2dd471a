// The three triggers of argocd-notifications-cm run against sample Applications (argocd-expr.ts
// evaluates them as expr-lang does): success only when Synced and Healthy at the revision the last
// sync applied, failure when Degraded after that sync started or when the sync failed, and
// nothing for a state left over from an earlier revision. Status fields as Argo CD's Application
// CRD names them (the checks type-check every path against @kubernetes-models/argo-cd).
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { evaluate, ExprError, fires } from './argocd-expr'
import { parseObjects } from './k8s-checks'

const CM = resolve(import.meta.dirname, '../../k8s-specifications/argocd/notifications-cm.yaml')
const data = parseObjects(readFileSync(CM, 'utf8'))[0]!.data as Record<string, string>
const trigger = (name: string) => (parse(data[`trigger.${name}`]!) as { when: string; oncePer: string }[])[0]!

const NEW = '3f786850e387550fdab836ed7e6dc881de23001b'
const OLD = '89e6c98d92887913cadf06b2adb97f26cde4849b'

interface Sample {
  sync?: { status: string; revision: string }
  health?: { status: string; lastTransitionTime?: string }
  operationState?: { phase: string; startedAt: string; finishedAt?: string; syncResult?: { revision: string } }
}

/** An Application whose last sync (10:00:00 to 10:01:00) applied NEW and became Healthy at 10:03. */
function app(change: Partial<Sample> = {}): { metadata: { name: string }; status: Sample } {
  return {
    metadata: { name: 'voting-app-staging' },
    status: {
      sync: { status: 'Synced', revision: NEW },
      health: { status: 'Healthy', lastTransitionTime: '2026-11-30T10:03:00Z' },
      operationState: { phase: 'Succeeded', startedAt: '2026-11-30T10:00:00Z', finishedAt: '2026-11-30T10:01:00Z', syncResult: { revision: NEW } },
      ...change,
    },
  }
}
const op = (phase: string, revision = NEW) => ({ phase, startedAt: '2026-11-30T10:00:00Z', finishedAt: '2026-11-30T10:01:00Z', syncResult: { revision } })
const fired = (sample: ReturnType<typeof app>) => ['on-commit-deployed', 'on-commit-degraded', 'on-commit-sync-failed'].filter((t) => fires(trigger(t).when, sample))

describe('the triggers on sample Applications', () => {
  it('success: Synced and Healthy at the revision of the last sync, once that sync is over', () => {
    expect(fired(app())).toEqual(['on-commit-deployed'])
    // Healthy since before the sync started (the sync did not touch health): still this revision's success.
    expect(fired(app({ health: { status: 'Healthy', lastTransitionTime: '2026-11-30T09:00:00Z' } }))).toEqual(['on-commit-deployed'])
    // oncePer: one status per synced revision, the same revision the templates set the status on.
    expect(evaluate(trigger('on-commit-deployed').oncePer, { app: app() })).toBe(NEW)
  })

  it('no success while the rollout is under way, for another revision, or from a health older than the sync', () => {
    expect(fired(app({ health: { status: 'Progressing', lastTransitionTime: '2026-11-30T10:01:00Z' } }))).toEqual([])
    expect(fired(app({ operationState: { phase: 'Running', startedAt: '2026-11-30T10:00:00Z' } }))).toEqual([])
    // Git moved on to OLD's successor but the sync applied the older revision: not Synced at it.
    expect(fired(app({ sync: { status: 'OutOfSync', revision: OLD } }))).toEqual([])
    expect(fired(app({ sync: { status: 'Synced', revision: OLD } }))).toEqual([])
    // Healthy since 10:00:10, during a sync that ran until 10:05: that health predates the new pods.
    expect(fired(app({ health: { status: 'Healthy', lastTransitionTime: '2026-11-30T10:00:10Z' }, operationState: { ...op('Succeeded'), finishedAt: '2026-11-30T10:05:00Z' } }))).toEqual([])
  })

  it('failure: Degraded after the last sync started, or the sync failed or errored', () => {
    expect(fired(app({ health: { status: 'Degraded', lastTransitionTime: '2026-11-30T10:11:00Z' } }))).toEqual(['on-commit-degraded'])
    expect(fired(app({ operationState: op('Failed'), health: { status: 'Healthy', lastTransitionTime: '2026-11-30T09:00:00Z' } }))).toEqual(['on-commit-sync-failed'])
    expect(fired(app({ operationState: op('Error'), health: { status: 'Progressing', lastTransitionTime: '2026-11-30T10:00:30Z' } }))).toEqual(['on-commit-sync-failed'])
    expect(evaluate(trigger('on-commit-sync-failed').oncePer, { app: app({ operationState: op('Failed') }) })).toBe(NEW)
  })

  it('no failure for a Degraded left over from the previous revision', () => {
    expect(fired(app({ health: { status: 'Degraded', lastTransitionTime: '2026-11-30T09:30:00Z' } }))).toEqual([])
  })

  it('nothing, and no evaluation error, for an Application that never synced', () => {
    const never = { metadata: { name: 'voting-app-staging' }, status: { sync: { status: 'OutOfSync', revision: NEW }, health: { status: 'Missing', lastTransitionTime: '2026-11-30T10:00:00Z' } } }
    for (const t of ['on-commit-deployed', 'on-commit-degraded', 'on-commit-sync-failed']) expect(evaluate(trigger(t).when, { app: never }), t).toBe(false)
    expect(evaluate(trigger('on-commit-deployed').oncePer, { app: never })).toBeUndefined()
  })

  it('needs the health transition time (Argo CD 2.14 and later): without it the success condition errors, so it never fires', () => {
    const old = app({ health: { status: 'Healthy' } })
    expect(() => evaluate(trigger('on-commit-deployed').when, { app: old })).toThrow(ExprError)
    expect(fired(old)).toEqual([])
  })
})

describe('the evaluator', () => {
  it('reads expr-lang as the triggers need it', () => {
    const a = { status: { phase: 'Failed', n: 2 } }
    expect(evaluate("app.status.phase in ['Error', 'Failed'] and !(app.status.n > 2)", { app: a })).toBe(true)
    expect(evaluate('app.status?.missing?.field', { app: a })).toBeUndefined()
    expect(() => evaluate('app.status.missing.field', { app: a })).toThrow('cannot fetch field from nil')
    expect(evaluate("app.status == nil or app.status.phase == 'x'", { app: {} })).toBe(true)
    expect(evaluate("time.Parse('2026-11-30T10:00:00Z').Add(2 * time.Minute).After(time.Parse('2026-11-30T10:01:59Z'))", {})).toBe(true)
    expect(() => evaluate("app.status.phase 'Failed'", { app: a })).toThrow(ExprError)
  })
})
