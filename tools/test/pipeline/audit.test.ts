// The local pipeline's audit step: the workflow's own audit steps run with this machine's pnpm
// and registry access. Here the registry's audit endpoints answer 405 (GET only, measured
// 2026-11-30), so the run must say the gate did not run, never that it passed.
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { dependencyAudit, describeAudit, type AuditResult } from '../../pipeline/audit'

describe('dependencyAudit', () => {
  it('audits the service with its workspace packages at the workflow default, and tells an unanswered audit from a pass', () => {
    let log = ''
    const result = dependencyAudit('worker', '', REPO_ROOT, (chunk) => (log += chunk))
    expect(result).toMatchObject({ level: 'high', packages: 'apps/worker apps/shared' })
    if (result.status === 'unavailable') {
      expect(result.message).toMatch(/audit endpoint .* responded with \d{3}/)
      expect(describeAudit(result)).toMatch(/^NOT RUN: no report from the registry's audit endpoint \(.*\); --no-audit skips the gate$/)
      expect(log).toMatch(/::error title=dependency audit::/)
    } else {
      expect(result.status).toBe(result.failing > 0 ? 'failed' : 'passed')
    }
  }, 60_000)

  it('describes a judged report by its counts', () => {
    const judged: AuditResult = { status: 'passed', level: 'moderate', packages: 'apps/vote apps/shared', advisories: 2, failing: 0, message: '', summary: '' }
    expect(describeAudit(judged)).toBe('0 of 2 advisories at or above moderate in apps/vote apps/shared')
    expect(describeAudit({ ...judged, status: 'failed', failing: 1, message: '1 advisories at or above moderate in …' })).toBe('1 advisories at or above moderate in …')
  })
})
