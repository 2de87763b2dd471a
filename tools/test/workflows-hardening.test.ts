// The hardening rules, asserted over the parsed workflows; each rule also meets a planted
// violation, so none can pass by matching nothing.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../src/action-runner'
import { RULES, permissionMap } from '../src/workflows/hardening'
import { loadWorkflows, parseWorkflow, workflowById } from '../src/workflows/load'

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

describe('hardening rules', () => {
  for (const name of Object.keys(RULES) as (keyof typeof RULES)[]) {
    const rule = RULES[name]
    it(`${name}: every workflow complies`, () => {
      expect(workflows.flatMap(rule)).toEqual([])
    })
    it(`${name}: a planted violation is reported`, () => {
      expect(rule(VIOLATIONS[name]).length).toBeGreaterThan(0)
    })
  }

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
    expect(jobPermissions('plan')).toEqual({})
    expect(jobPermissions('test')).toEqual({ contents: 'read' })
    expect(jobPermissions('build')).toEqual({ contents: 'read' })
    expect(jobPermissions('publish')).toEqual({ contents: 'read', 'id-token': 'write' })
    expect(jobPermissions('deploy')).toEqual({ contents: 'write' })
  })

  it('hands the image from build to publish as an artifact, not through a registry credential', () => {
    const upload = pipeline.jobs.build?.steps?.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    const download = pipeline.jobs.publish?.steps?.find((s) => s.uses?.startsWith('actions/download-artifact@'))
    expect(upload?.with?.path).toBe('${{ steps.build.outputs.oci-layout }}')
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
    for (const [id, job] of Object.entries(pipeline.jobs)) {
      const local = (job.steps ?? []).filter((s) => s.uses?.startsWith('./'))
      if (local.length === 0) continue
      for (const step of local) expect(step.uses, `job ${id}`).toMatch(/^\.\/pipeline\/actions\/[a-z-]+$/)
      const own = job.steps?.find((s) => s.with?.path === 'pipeline')
      expect(own?.with, `job ${id}`).toMatchObject({ repository: '${{ job.workflow_repository }}', ref: '${{ job.workflow_sha }}' })
      const guard = job.steps?.[0]
      expect(guard?.env?.WORKFLOW_SHA, `job ${id} checks job.workflow_sha first`).toBe('${{ job.workflow_sha }}')
    }
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
  const PINS: Record<string, string> = {
    'actions/checkout': '08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0',
    'actions/upload-artifact': '330a01c490aca151604b8cf639adc76d48f6c5d4 # v5.0.0',
    'actions/download-artifact': '634f93cb2916e3fdff6788551b99b062d0335ce0 # v5.0.0',
    'actions/setup-node': 'a0853c24544627f65ddf259abe73b1d18a591444 # v5.0.0',
    'pnpm/action-setup': 'a7487c7e89a18df4991f7f222e4898a00d66ddda # v4.1.0',
  }

  it('pins every action to the one recorded commit and version, in the workflows and the README', () => {
    const texts = [...workflows.map((w) => [w.path, w.text]), ['README.md', readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')]]
    const seen = new Set<string>()
    for (const [path, text] of texts) {
      for (const match of (text ?? '').matchAll(/uses:\s*([\w.-]+\/[\w.-]+)@([0-9a-f]{40}\s*#\s*\S+)/g)) {
        const [, action = '', pin = ''] = match
        expect(`${action}@${pin.replace(/\s+#\s*/, ' # ')}`, path).toBe(`${action}@${PINS[action]}`)
        seen.add(action)
      }
    }
    expect([...seen].sort()).toEqual(Object.keys(PINS).sort())
  })
})
