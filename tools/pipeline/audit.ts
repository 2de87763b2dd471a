// The dependency audit of the local pipeline. It runs the reusable workflow's own two steps
// (.github/workflows/pipeline.yml, audit job, steps `audit` and `audit-gate`) with this machine's
// pnpm, so the audit rule has one home: what passes here passes there. The vulnerability scan
// has no local counterpart: grype downloads its database from the internet (tools/README.md).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ExpressionContext } from '../src/workflows/expressions'
import { findStep, loadWorkflows, workflowById, workflowCall } from '../src/workflows/load'
import { hostEnv, runStep, type ScriptRun } from '../src/workflows/run-script'

export interface AuditResult {
  /** passed/failed: the gate judged a report; unavailable: the registry's audit endpoint gave none. */
  status: 'passed' | 'failed' | 'unavailable'
  level: string
  /** The audited packages, e.g. `apps/vote apps/shared`. */
  packages: string
  advisories: number
  failing: number
  /** Why there is no report (the endpoint's answer), or the step's error line. */
  message: string
  /** The Markdown the steps wrote to the job summary. */
  summary: string
}

const errorLine = (run: ScriptRun) => /::error[^:]*::(.*)/.exec(run.stdout)?.[1] ?? `exit code ${run.exitCode}`

/**
 * Audits `service` in the checkout `cwd` at `level` (empty: the workflow's default audit-level).
 * Never throws for findings: the caller decides what a failed or unavailable audit means.
 */
export function dependencyAudit(service: string, level: string, cwd: string, sink: (chunk: string) => void): AuditResult {
  const pipeline = workflowById(loadWorkflows(), 'pipeline')
  const temp = mkdtempSync(join(tmpdir(), 'pipeline-audit-'))
  const auditLevel = level || String(workflowCall(pipeline)?.inputs?.['audit-level']?.default ?? '')
  try {
    const context: ExpressionContext = { 'inputs.service': service, 'inputs.audit-directory': '', 'inputs.audit-level': auditLevel, 'runner.temp': temp }
    const run = (id: string, extra: ExpressionContext = {}): ScriptRun => {
      const step = findStep(pipeline, 'audit', id)
      const result = runStep(step, { ...context, ...extra }, { env: hostEnv(), cwd: step['working-directory'] === 'source' ? cwd : temp })
      sink(result.stdout + result.stderr)
      return result
    }
    const audit = run('audit')
    const importers = audit.outputs.importers ?? ''
    const base = { level: auditLevel, packages: importers.replace(/__/g, '/'), advisories: 0, failing: 0 }
    if (audit.outputs.status !== 'ok') {
      const status = audit.outputs.status === 'unavailable' ? 'unavailable' : 'failed'
      return { ...base, status, message: audit.outputs.reason ?? errorLine(audit), summary: audit.summary }
    }
    const gate = run('audit-gate', { 'steps.audit.outputs.importers': importers })
    return {
      ...base,
      status: gate.exitCode === 0 ? 'passed' : 'failed',
      advisories: Number(gate.outputs.advisories ?? 0),
      failing: Number(gate.outputs.failing ?? 0),
      message: gate.exitCode === 0 ? '' : errorLine(gate),
      summary: gate.summary,
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}

/** One line for the step and the run's summary. */
export function describeAudit(result: AuditResult): string {
  if (result.status === 'unavailable') return `NOT RUN: no report from the registry's audit endpoint (${result.message}); --no-audit skips the gate`
  if (result.status === 'failed') return result.message
  return `${result.failing} of ${result.advisories} advisories at or above ${result.level} in ${result.packages}`
}
