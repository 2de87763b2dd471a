// The hardening rules, asserted over the parsed workflows; each rule also meets a planted
// violation, so none can pass by matching nothing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { RULES, permissionMap } from '../src/workflows/hardening'
import { loadWorkflows, needsOf, parseWorkflow, workflowById } from '../src/workflows/load'
import { CHECK_STEP, CHECKED_REPOSITORY, CHECKED_SHA, HANDED_REPOSITORY, HANDED_SHA, ownCommitChecks } from '../src/workflows/own-commit'
import { itChecksEachRule } from './helpers/rules'

const workflows = loadWorkflows()

const CHECKOUT = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0'
function planted(body: string, on = 'push'): ReturnType<typeof parseWorkflow> {
  return parseWorkflow('.github/workflows/planted.yml', `on: ${on}\npermissions: {}\njobs:\n${body}`)
}
const job = (permissions: string, steps: string) =>
  `  j:\n    runs-on: ubuntu-latest\n    permissions: ${permissions}\n    steps:\n${steps}`

const VIOLATIONS: Record<keyof typeof RULES, ReturnType<typeof parseWorkflow>> = {
  minimalPermissions: parseWorkflow('.github/workflows/planted.yml', `on: push\npermissions: write-all\njobs:\n  j:\n    runs-on: x\n    steps: []\n`),
  pinnedActions: planted(job('{}', '      - uses: actions/checkout@v5\n        with:\n          persist-credentials: false\n')),
  noExpressionsInRun: planted(job('{}', '      - run: echo "${{ github.head_ref }}"\n')),
  noPullRequestTargetCheckout: planted(
    job('{}', `      - uses: ${CHECKOUT}\n        with:\n          ref: \${{ github.event.pull_request.head.sha }}\n          persist-credentials: false\n`),
    'pull_request_target',
  ),
  checkoutCredentials: planted(job('{contents: read}', `      - uses: ${CHECKOUT}\n`)),
  noCloudSecrets: planted(job('{}', '      - uses: ./actions/acr-push\n        with:\n          auth: service-principal\n          client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}\n')),
  separatedPrivileges: planted(job('{contents: read, packages: write}', '      - uses: ./actions/buildx-multiarch\n        with:\n          image: x\n')),
  orderedDeploys: planted(job('{contents: write}', '      - uses: ./actions/bump-manifest\n        with:\n          files: x\n')),
}

describe('orderedDeploys', () => {
  // The deploy job as it was: one waiting run per group, which the next arrival cancels.
  const deploy = (queue: string) => planted(`  deploy:
    runs-on: ubuntu-latest
    permissions: {contents: write}
    concurrency:
      group: deploy-\${{ inputs.service }}-\${{ inputs.environment }}
      cancel-in-progress: false
${queue}    steps:
      - uses: ./actions/bump-manifest
        with:
          files: x
`)
  it('refuses a deploy job that keeps only one pending run, and accepts queue: max', () => {
    expect(RULES.orderedDeploys(deploy(''))).toEqual(['.github/workflows/planted.yml: deploy job deploy keeps only one pending run (set queue: max)'])
    expect(RULES.orderedDeploys(deploy('      queue: single\n'))).toHaveLength(1)
    expect(RULES.orderedDeploys(deploy('      queue: max\n'))).toEqual([])
  })
})

describe('hardening rules', () => {
  itChecksEachRule(RULES, VIOLATIONS, workflows)

  it('checks every workflow file there is', () => {
    expect(workflows.map((w) => w.id)).toEqual(
      expect.arrayContaining(['ci', 'manifests', 'pipeline', 'redeploy', 'release', 'result', 'vote', 'worker']),
    )
  })
})

describe('privileges of the pipeline', () => {
  const pipeline = workflowById(workflows, 'pipeline')
  const jobPermissions = (id: string) => permissionMap(pipeline.jobs[id]?.permissions)

  it('gives each job only what it needs', () => {
    expect(pipeline.permissions).toEqual({})
    expect(jobPermissions('plan')).toEqual({ contents: 'read' })
    expect(jobPermissions('test')).toEqual({ contents: 'read' })
    expect(jobPermissions('build')).toEqual({ contents: 'read' })
    expect(jobPermissions('publish')).toEqual({ contents: 'read', 'id-token': 'write' })
    // statuses: read for the wait for Argo CD's commit status (argocd-application).
    expect(jobPermissions('deploy')).toEqual({ contents: 'write', 'pull-requests': 'write', statuses: 'read', actions: 'read' })
  })

  it('hands the image from build to publish as an artifact, not through a registry credential', () => {
    const upload = pipeline.jobs.build?.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    const download = pipeline.jobs.publish?.steps?.find((s) => s.uses?.startsWith('actions/download-artifact@'))
    // The layout built here, or merged here from the build-platform jobs' layouts (native-runners).
    expect(upload?.with?.path).toBe('${{ steps.build.outputs.oci-layout || steps.merge.outputs.oci-layout }}')
    expect(download?.with?.name).toBe(upload?.with?.name)
    const build = pipeline.jobs.build?.steps?.find((s) => s.id === 'build')
    expect(build?.with?.push).toBe(false)
  })

  it('runs production only through its environment, where reviewers approve', () => {
    expect(pipeline.jobs.publish?.environment).toBe('${{ needs.plan.outputs.environment }}')
    const redeploy = workflowById(workflows, 'redeploy')
    expect(redeploy.jobs.verify?.environment).toBe('${{ inputs.environment }}')
    // deploy needs publish (pipeline) / verify (redeploy): no manifest commit before approval.
    expect(pipeline.jobs.deploy?.needs).toContain('publish')
    expect(redeploy.jobs.deploy?.needs).toContain('verify')
  })

  it('runs the actions from the checkout of its own commit, in every job that uses one', () => {
    // One check, the plan job's first step, on job.workflow_sha (workflows-own-commit.test.ts runs it).
    const guard = pipeline.jobs.plan?.steps?.[0]
    expect(guard?.id).toBe(CHECK_STEP)
    expect(guard?.env?.WORKFLOW_SHA, 'the plan job checks job.workflow_sha first').toBe('${{ job.workflow_sha }}')
    expect(guard?.run).toMatch(/\$WORKFLOW_SHA" =~ \^\[0-9a-f\]\{40\}\$/)
    expect(ownCommitChecks(workflows), 'no copy of the check in another job').toEqual([`${pipeline.path}: job plan, step ${CHECK_STEP}`])
    for (const [id, job] of Object.entries(pipeline.jobs)) {
      const local = (job.steps ?? []).filter((s) => s.uses?.startsWith('./'))
      if (local.length === 0) continue
      for (const step of local) expect(step.uses, `job ${id}`).toMatch(/^\.\/pipeline\/actions\/[a-z-]+(\/[a-z-]+)?$/)
      const own = job.steps?.find((s) => s.with?.path === 'pipeline')
      // The checked commit: the check's outputs in the plan job, handed on through needs.plan elsewhere.
      const checked = id === 'plan' ? { repository: CHECKED_REPOSITORY, ref: CHECKED_SHA } : { repository: HANDED_REPOSITORY, ref: HANDED_SHA }
      expect(own?.with, `job ${id}`).toMatchObject(checked)
      if (id !== 'plan') expect(needsOf(job), `job ${id} needs the job that checks`).toContain('plan')
    }
  })

  it('lets pull-requests: write stand beside contents: write only in a manifest job', () => {
    const pushing = planted(job('{contents: write, pull-requests: write}', '      - run: git push origin HEAD\n'))
    expect(RULES.separatedPrivileges(pushing)).toEqual(['.github/workflows/planted.yml: job j writes contents and also pull-requests'])
  })

  it('queues the pipeline\'s and redeploy\'s manifest commits in one group per service and environment', () => {
    const group = (workflow: string, job: string) =>
      (workflowById(workflows, workflow).jobs[job]?.concurrency as { group: string }).group
    const normalise = (g: string) => g.replace('needs.plan.outputs.environment', 'ENV').replace('inputs.environment', 'ENV')
    expect(normalise(group('pipeline', 'deploy'))).toBe('deploy-${{ github.repository }}-${{ inputs.service }}-${{ ENV }}')
    expect(normalise(group('redeploy', 'deploy'))).toBe(normalise(group('pipeline', 'deploy')))
  })
})

describe('third-party pins', () => {
  // The commits these version tags point at, as pinned (with the same version comment) by many
  // public workflows found with the code search this project's tooling provides; there is no
  // network here to ask GitHub. Dependabot (.github/dependabot.yml) moves them from now on.
  // upload-artifact v7.0.0, download-artifact v8.0.1 and create-github-app-token v3.1.1 were read
  // from each action's own repository (a mirror of github.com/actions/<name>): the tag points at
  // that commit and its action.yml says `using: node24` (upload-artifact v5.0.0 and
  // download-artifact v5.0.0, pinned before, said node20).
  const PINS: Record<string, string> = {
    'actions/checkout': '08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
    'actions/upload-artifact': 'bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0',
    'actions/download-artifact': '3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1',
    'actions/create-github-app-token': '1b10c78c7865c340bc4f6099eb2f838309f1e8c3 # v3.1.1',
    'actions/setup-node': 'a0853c24544627f65ddf259abe73b1d18a591444 # v5.0.0',
    'pnpm/action-setup': 'a7487c7e89a18df4991f7f222e4898a00d66ddda # v4.1.0',
    // The quality gates' actions, each SHA read from the tag in the action's own repository
    // (git rev-parse vX.Y.Z^{commit} in a clone): anchore/scan-action v7.4.0 (grype v0.110.0),
    // anchore/sbom-action v0.24.0 (syft v1.42.3), actions/attest v4.2.2.
    'anchore/scan-action': 'e1165082ffb1fe366ebaf02d8526e7c4989ea9d2 # v7.4.0',
    'anchore/sbom-action': 'e22c389904149dbc22b58101806040fa8d37a610 # v0.24.0',
    'actions/attest': '1e69f48acb82d1966a394da916b4c1698aa569d6 # v4.2.2',
  }

  it('pins every action to the one recorded commit and version, in the workflows and the README', () => {
    const texts = [...workflows.map((w) => [w.path, w.text]), ['README.md', readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')]]
    const seen = new Set<string>()
    for (const [path, text] of texts) {
      for (const match of (text ?? '').matchAll(/uses:\s*([\w.-]+\/[\w.-]+)(?:\/[\w./-]+)?@([0-9a-f]{40}\s*#\s*\S+)/g)) {
        const [, action = '', pin = ''] = match
        expect(`${action}@${pin.replace(/\s+#\s*/, ' # ')}`, path).toBe(`${action}@${PINS[action]}`)
        seen.add(action)
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(PINS).sort())
  })
})
