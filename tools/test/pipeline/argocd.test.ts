// The local pipeline's line for Argo CD's word on a manifest commit, which it cannot get: it names
// the Application and the status context k8s-specifications/argocd defines for the environment.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { argoApplication, argoCdSkipped } from '../../pipeline/argocd'

const COMMIT = '3f786850e387550fdab836ed7e6dc881de23001b'

describe('argo cd in the local pipeline', () => {
  it('says the wait was skipped, naming the status the deploy job waits for on GitHub', () => {
    expect(argoApplication('staging')).toBe('voting-app-staging')
    expect(argoApplication('production')).toBe('voting-app-production')
    expect(argoCdSkipped('production', COMMIT)).toBe(
      'skipped: no Argo CD syncs the local GitOps remote, so nothing sets the commit status "continuous-delivery/voting-app-production" on 3f786850e387; on GitHub the deploy job waits for it (pipeline input argocd-application)',
    )
  })

  it('still says so for an environment without an Application', () => {
    const empty = mkdtempSync(join(tmpdir(), 'argocd-none-'))
    try {
      expect(argoApplication('qa', empty)).toBeUndefined()
      expect(argoCdSkipped('qa', COMMIT, empty)).toMatch(/^skipped: .* nothing sets a commit status on 3f786850e387;/)
    } finally {
      rmSync(empty, { recursive: true, force: true })
    }
  })
})
