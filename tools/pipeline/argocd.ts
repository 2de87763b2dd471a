// Argo CD's own word on a manifest commit (README "Safe deploys") cannot be had here: no Argo CD
// syncs the local GitOps remote and no GitHub holds commit statuses for it. The summary says the
// step was skipped and names what the deploy job on GitHub waits for instead.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { argoStatusContext } from '@aks-gitops/toolkit'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

/** The name of the Application k8s-specifications/argocd defines for an environment, if there is one. */
export function argoApplication(environment: string, root = REPO_ROOT): string | undefined {
  try {
    const doc = parse(readFileSync(join(root, 'k8s-specifications', 'argocd', `application-${environment}.yaml`), 'utf8')) as { metadata?: { name?: unknown } } | null
    return typeof doc?.metadata?.name === 'string' ? doc.metadata.name : undefined
  } catch {
    return undefined
  }
}

/** The summary's line for the wait the local pipeline cannot run. */
export function argoCdSkipped(environment: string, commit: string, root = REPO_ROOT): string {
  const application = argoApplication(environment, root)
  const status = application ? `the commit status "${argoStatusContext(application)}"` : 'a commit status'
  return `skipped: no Argo CD syncs the local GitOps remote, so nothing sets ${status} on ${commit.slice(0, 12)}; on GitHub the deploy job waits for it (pipeline input argocd-application)`
}
