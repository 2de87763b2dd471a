// GitHub's platform rules (tools/src/workflows/platform.ts) over the repository's workflows, each
// also against a planted violation (the old release job, a token handed between jobs, ...), and the
// guard scripts that make a misconfigured release, deploy or redeploy fail before anything happens.
import { describe, expect, it } from 'vitest'
import { callInputs, resolveEnv } from '../src/workflows/expressions'
import { findStep, loadWorkflows, parseWorkflow, workflowById, workflowCall } from '../src/workflows/load'
import { PLATFORM_RULES } from '../src/workflows/platform'
import { runActionStep } from '../src/workflows/run-action-step'
import { runStep, runStepScript } from '../src/workflows/run-script'
import { workflowSchemaErrors } from '../src/workflows/schema'
import { itChecksEachRule } from './helpers/rules'
import { UNSET_GITOPS_VARIABLES } from './helpers/workflow-context'

const workflows = loadWorkflows()
const CHECKOUT = 'actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0'
const APP_TOKEN = 'actions/create-github-app-token@1b10c78c7865c340bc4f6099eb2f838309f1e8c3 # v3.1.1'
const planted = (text: string) => parseWorkflow('.github/workflows/planted.yml', text)

/** release.yml's major-tag job before the fix: the tag pushed with the checkout's GITHUB_TOKEN. */
const OLD_RELEASE = planted(`on: push
permissions: {}
jobs:
  major-tag:
    runs-on: ubuntu-latest
    permissions:
      contents: write
    steps:
      - uses: ${CHECKOUT}
        with:
          fetch-depth: 0
          persist-credentials: true
      - run: |
          git tag --force v1 "$SHA"
          git push --force origin "refs/tags/v1"
`)

const VIOLATIONS: Record<keyof typeof PLATFORM_RULES, ReturnType<typeof planted>> = {
  queueWithoutCancel: planted(`on: push
concurrency:
  group: g
  cancel-in-progress: true
  queue: max
jobs: {}
`),
  tagPushToken: OLD_RELEASE,
  tokensMintedInJob: planted(`on: push
jobs:
  mint:
    runs-on: ubuntu-latest
    outputs:
      token: \${{ steps.app.outputs.token }}
    steps:
      - id: app
        uses: ${APP_TOKEN}
        with:
          client-id: x
          private-key: \${{ secrets.KEY }}
  use:
    needs: mint
    runs-on: ubuntu-latest
    steps:
      - uses: ./actions/bump-manifest
        with:
          files: x
          image: y
          token: \${{ needs.mint.outputs.token }}
`),
  pullRequestPermission: planted(`on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    permissions: {contents: write}
    steps:
      - uses: ./actions/bump-manifest
        with:
          files: x
          image: y
          pull-request: \${{ inputs.manifest-pull-request }}
`),
  declaredSecrets: planted(`on:
  workflow_call:
    secrets:
      A: {required: false}
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: gitops
    steps:
      - run: echo "$T"
        env:
          T: \${{ secrets.A || secrets.GITOPS_PUSH_TOKEN }}
`),
}

describe("GitHub's platform rules", () => {
  itChecksEachRule(PLATFORM_RULES, VIOLATIONS, workflows)

  it('reports the old release job for its GITHUB_TOKEN push, and a minted token without the Workflows permission', () => {
    expect(PLATFORM_RULES.tagPushToken(OLD_RELEASE)).toEqual([
      '.github/workflows/planted.yml: job major-tag pushes a tag with GITHUB_TOKEN; give its checkout a token with the Workflows permission',
    ])
    const release = workflowById(workflows, 'release')
    const withoutWorkflows = planted(release.text.replace('          permission-workflows: write\n', ''))
    expect(PLATFORM_RULES.tagPushToken(withoutWorkflows)).toEqual([
      '.github/workflows/planted.yml: job major-tag pushes a tag with an App token minted without permission-workflows: write',
    ])
    const unguarded = planted(release.text.replace('          HAS_TOKEN: ${{ secrets.RELEASE_TOKEN != \'\' }}\n', ''))
    expect(PLATFORM_RULES.tagPushToken(unguarded).join('\n')).toMatch(/first step does not check secrets\.RELEASE_TOKEN/)
  })

  it('reports each way a token leaves the job that minted it', () => {
    expect(PLATFORM_RULES.tokensMintedInJob(VIOLATIONS.tokensMintedInJob)).toEqual([
      '.github/workflows/planted.yml: job mint hands the minted token on as output token',
      '.github/workflows/planted.yml: job use takes input token from another job\'s output',
    ])
  })

  it('reports an undeclared secret of a reusable workflow, not a declared one', () => {
    expect(PLATFORM_RULES.declaredSecrets(VIOLATIONS.declaredSecrets)).toEqual([
      '.github/workflows/planted.yml: job deploy reads secrets.GITOPS_PUSH_TOKEN, which workflow_call does not declare',
    ])
  })

  // GitHub's parser knows `queue` and its values but not the rule against cancel-in-progress.
  it("GitHub's parser refuses a queue value other than single or max, and does not check the combination", async () => {
    const text = (queue: string, cancel: string) => `on: push\njobs:\n  a:\n    runs-on: x\n    concurrency:\n      group: g\n      cancel-in-progress: ${cancel}\n      queue: ${queue}\n    steps:\n      - run: echo\n`
    expect((await workflowSchemaErrors('x.yml', text('maximum', 'false'))).join('\n')).toMatch(/Unexpected value 'maximum'/)
    expect(await workflowSchemaErrors('x.yml', text('max', 'true'))).toEqual([])
    expect(PLATFORM_RULES.queueWithoutCancel(planted(text('max', 'true')))).toHaveLength(1)
    expect(PLATFORM_RULES.queueWithoutCancel(planted(text('single', 'true')))).toEqual([])
  })
})

describe('the release job stops at its first step without a token that may push the tag', () => {
  const step = findStep(workflowById(workflows, 'release'), 'major-tag', 'token')
  // The env GitHub gives the step: the variable, and whether each secret is set.
  const check = (clientId: string, key: boolean, token: boolean) =>
    runStepScript(step.run ?? '', { APP_CLIENT_ID: clientId, HAS_APP_KEY: String(key), HAS_TOKEN: String(token) })

  it('reads exactly the App client ID, whether the key is set and whether the token is set', () => {
    expect(step.env).toEqual({
      APP_CLIENT_ID: '${{ vars.RELEASE_APP_CLIENT_ID }}',
      HAS_APP_KEY: "${{ secrets.RELEASE_APP_PRIVATE_KEY != '' }}",
      HAS_TOKEN: "${{ secrets.RELEASE_TOKEN != '' }}",
    })
    expect(workflowById(workflows, 'release').jobs['major-tag']?.steps?.[0]?.id).toBe('token')
  })

  it('passes with a GitHub App (client ID and key) or a fine-grained token', () => {
    expect(check('Iv23liExample', true, false).exitCode).toBe(0)
    expect(check('', false, true).exitCode).toBe(0)
    expect(check('123456', true, true).exitCode).toBe(0)
  })

  it.each([
    ['', false, false, /no token can move the major tag: set variable RELEASE_APP_CLIENT_ID and secret RELEASE_APP_PRIVATE_KEY .* or secret RELEASE_TOKEN/],
    ['Iv23liExample', false, true, /variable RELEASE_APP_CLIENT_ID is set but secret RELEASE_APP_PRIVATE_KEY is empty/],
    ['', true, false, /secret RELEASE_APP_PRIVATE_KEY is set but variable RELEASE_APP_CLIENT_ID is empty/],
  ])('fails with client ID %j, key %s, token %s', (clientId, key, token, message) => {
    const run = check(clientId, key, token)
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toMatch(message)
    expect(run.stdout.match(/::error/g)).toHaveLength(1)
  })
})

describe('the deploy job checks its App settings before it mints anything', () => {
  const step = findStep(workflowById(workflows, 'pipeline'), 'deploy', 'credentials')
  // The step's own env: block, evaluated from the input, the variable and the secrets.
  const check = (clientId: string, key: boolean, legacyToken = false) =>
    runStep(step, {
      'inputs.manifest-app-client-id': clientId,
      'vars.GITOPS_APP_CLIENT_ID': '',
      'secrets.GITOPS_APP_PRIVATE_KEY': key ? 'a private key' : '',
      'secrets.manifest-push-token': legacyToken ? 'a legacy token' : '',
    })

  it('mints an App token exactly when a client ID and a key are set', () => {
    expect(check('Iv23liExample', true).outputs).toEqual({ app: 'true' })
    expect(check('', false).outputs).toEqual({ app: 'false' })
    const pipeline = workflowById(workflows, 'pipeline')
    const mint = pipeline.jobs.deploy?.steps?.find((s) => s.id === 'app')
    expect(mint?.if).toBe("steps.credentials.outputs.app == 'true'")
    expect(mint?.with).toMatchObject({ 'permission-contents': 'write', 'private-key': '${{ secrets.GITOPS_APP_PRIVATE_KEY }}' })
    // The pull-requests permission only in pull-request mode.
    const level = (pullRequest: boolean) => resolveEnv({ value: String(mint?.with?.['permission-pull-requests']) }, { 'inputs.manifest-pull-request': pullRequest }).value
    expect([level(true), level(false)]).toEqual(['write', ''])
  })

  it.each([
    ['Iv23liExample', false, /secret GITOPS_APP_PRIVATE_KEY is empty/],
    ['', true, /secret GITOPS_APP_PRIVATE_KEY is set but no GitHub App client ID is/],
  ])('fails with client ID %j and key %s', (clientId, key, message) => {
    const run = check(clientId, key)
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toMatch(message)
    expect(run.outputs).toEqual({})
  })

  it('honours the v1.0 secret manifest-push-token with a deprecation warning, and says nothing without it', () => {
    const legacy = check('', false, true)
    expect(legacy.exitCode).toBe(0)
    expect(legacy.stdout).toMatch(/::warning title=pipeline::secret manifest-push-token is deprecated: store the token as the environment secret GITOPS_PUSH_TOKEN/)
    expect(check('', false).stdout).not.toMatch(/::warning/)
  })

  it('lands the commit the way the inputs say, with the token minted in the job or else the environment\'s', () => {
    const bump = findStep(workflowById(workflows, 'pipeline'), 'deploy', 'bump')
    expect(bump.with).toMatchObject({
      'pull-request': '${{ inputs.manifest-pull-request }}',
      'auto-merge': '${{ inputs.manifest-auto-merge }}',
      'commit-method': '${{ inputs.manifest-commit-method }}',
      token: '${{ steps.app.outputs.token || secrets.GITOPS_PUSH_TOKEN || secrets.manifest-push-token || github.token }}',
    })
    expect(workflowById(workflows, 'pipeline').jobs.deploy?.environment).toBe('${{ inputs.manifest-environment }}')
    expect(workflowById(workflows, 'redeploy').jobs.deploy?.environment).toBe('gitops')
  })
})

describe("redeploy's deploy job checks its App settings as the pipeline's does", () => {
  const step = findStep(workflowById(workflows, 'redeploy'), 'deploy', 'credentials')
  const check = (clientId: string, key: boolean) => runStep(step, { 'vars.GITOPS_APP_CLIENT_ID': clientId, 'secrets.GITOPS_APP_PRIVATE_KEY': key ? 'a private key' : '' })

  it('passes with both halves of an App or with neither (then GITOPS_PUSH_TOKEN or github.token pushes)', () => {
    expect(check('Iv23liExample', true).exitCode).toBe(0)
    expect(check('', false).exitCode).toBe(0)
  })

  it.each([
    ['Iv23liExample', false, /variable GITOPS_APP_CLIENT_ID is set but secret GITOPS_APP_PRIVATE_KEY is empty/],
    ['', true, /secret GITOPS_APP_PRIVATE_KEY is set but variable GITOPS_APP_CLIENT_ID is empty/],
  ])('fails with client ID %j and key %s, naming the missing half', (clientId, key, message) => {
    const run = check(clientId, key)
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toMatch(message)
    expect(run.stdout.match(/::error/g)).toHaveLength(1)
  })
})

describe('redeploy refuses a ref its environment\'s deployment rule would refuse, before any approval', () => {
  const redeploy = workflowById(workflows, 'redeploy')
  // The rule is the toolkit's planRedeploy, run by the plan bundle in the resolve step; a valid
  // request otherwise, so only the ref decides.
  const step = findStep(redeploy, 'resolve', 'resolve')
  const check = (environment: string, ref: string) =>
    runActionStep(step, {
      'github.ref': ref,
      'inputs.environment': environment,
      'inputs.service': 'vote',
      'inputs.reference': '1.4.2',
      'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io',
      'vars.ACR_PRODUCTION_REGISTRY': 'prodacr.azurecr.io',
    })

  it('runs in a job without an environment, first', () => {
    expect(redeploy.jobs.resolve?.environment).toBeUndefined()
    // Only the checkout of the actions it runs comes before it: it reads, and changes nothing.
    const [checkout, first] = redeploy.jobs.resolve?.steps ?? []
    expect(checkout?.uses).toBe(CHECKOUT.split(' ')[0])
    expect(checkout?.with).toEqual({ path: 'pipeline', 'sparse-checkout': 'actions', 'persist-credentials': false })
    expect(checkout?.if).toBeUndefined()
    expect(first?.id).toBe('resolve')
    expect(redeploy.jobs.verify?.needs).toBe('resolve')
  })

  it.each([
    ['production', 'refs/heads/main'],
    ['production', 'refs/tags/vote/v1.4.2'],
    ['staging', 'refs/heads/main'],
    ['staging', 'refs/heads/develop'],
    ['staging', 'refs/heads/release/vote/v1.4.2'],
  ])('accepts %s from %s', async (environment, ref) => {
    const run = await check(environment, ref)
    expect(run.exitCode, run.stdout).toBe(0)
  })

  it.each([
    ['production', 'refs/heads/develop', 'branch main or a tag */v* (<service>/vX.Y.Z)'],
    ['production', 'refs/heads/feature/x', 'branch main or a tag */v* (<service>/vX.Y.Z)'],
    ['production', 'refs/tags/v1.0.0', 'branch main or a tag */v* (<service>/vX.Y.Z)'],
    ['production', 'refs/heads/main-old', 'branch main or a tag */v* (<service>/vX.Y.Z)'],
    ['staging', 'refs/heads/feature/x', 'branch main, develop or release/*/*'],
    ['staging', 'refs/heads/release/v1', 'branch main, develop or release/*/*'],
  ])('refuses %s from %s, naming the rule', async (environment, ref, rule) => {
    const run = await check(environment, ref)
    expect(run.exitCode).not.toBe(0)
    expect(run.stdout).toContain(`the ${environment} environment deploys only from ${rule}; this run was dispatched from ${ref}`)
    expect(run.stdout).toContain(`::error title=redeploy::the ${environment} environment`)
    expect(run.outputs).toEqual({})
  })
})

describe('the test job installs the pnpm a caller asks for', () => {
  const pipeline = workflowById(workflows, 'pipeline')
  it('passes pnpm-version (empty: package.json\'s packageManager) to pnpm/action-setup', () => {
    const inputs = workflowCall(pipeline)?.inputs ?? {}
    expect(inputs['pnpm-version']).toMatchObject({ type: 'string', default: '' })
    const setup = pipeline.jobs.test?.steps?.find((step) => step.uses?.startsWith('pnpm/action-setup@'))
    expect(setup?.with).toEqual({ version: '${{ inputs.pnpm-version }}' })
  })
})

describe('one set of repository variables chooses how pipeline and redeploy land the manifest commit', () => {
  const pipeline = workflowById(workflows, 'pipeline')
  const LANDING = ['pull-request', 'auto-merge', 'commit-method', 'token'] as const
  const landing = (workflow: string, job: string, variables: Record<string, string>, tokens: Record<string, string>) => {
    const context = { 'vars.ACR_STAGING_REGISTRY': 'stagingacr.azurecr.io', 'vars.ACR_PRODUCTION_REGISTRY': '', ...variables, ...tokens }
    const inputs = workflow === 'pipeline' ? callInputs(pipeline, workflowById(workflows, 'vote').jobs.pipeline?.with ?? {}, context) : {}
    const bump = workflowById(workflows, workflow).jobs[job]?.steps?.find((step) => step.uses?.endsWith('/actions/bump-manifest'))
    const wanted = Object.fromEntries(LANDING.map((key) => [key, bump?.with?.[key]]))
    return resolveEnv(wanted, { ...context, ...inputs })
  }
  const TOKENS = { 'steps.app.outputs.token': '', 'secrets.GITOPS_PUSH_TOKEN': '', 'secrets.manifest-push-token': '', 'github.token': 'github-token' }

  it.each([['pipeline', 'deploy'], ['redeploy', 'deploy']])('%s: unset variables push with git and GITHUB_TOKEN', (workflow, job) => {
    expect(landing(workflow, job, { ...UNSET_GITOPS_VARIABLES }, TOKENS)).toEqual({ 'pull-request': 'false', 'auto-merge': '', 'commit-method': 'git', token: 'github-token' })
  })

  it.each([['pipeline', 'deploy'], ['redeploy', 'deploy']])('%s: a pull request with squash auto-merge through the API, with the minted App token', (workflow, job) => {
    const variables = { ...UNSET_GITOPS_VARIABLES, 'vars.GITOPS_PULL_REQUEST': 'true', 'vars.GITOPS_AUTO_MERGE': 'squash', 'vars.GITOPS_COMMIT_METHOD': 'api' }
    const tokens = { ...TOKENS, 'steps.app.outputs.token': 'app-token', 'secrets.GITOPS_PUSH_TOKEN': 'fine-grained' }
    expect(landing(workflow, job, variables, tokens)).toEqual({ 'pull-request': 'true', 'auto-merge': 'squash', 'commit-method': 'api', token: 'app-token' })
    expect(landing(workflow, job, variables, { ...tokens, 'steps.app.outputs.token': '' }).token).toBe('fine-grained')
    // The environment's token wins over the deprecated one a caller of v1.0 still passes.
    if (workflow === 'pipeline') {
      const legacy = { ...tokens, 'steps.app.outputs.token': '', 'secrets.manifest-push-token': 'legacy' }
      expect(landing(workflow, job, variables, legacy).token).toBe('fine-grained')
      expect(landing(workflow, job, variables, { ...legacy, 'secrets.GITOPS_PUSH_TOKEN': '' }).token).toBe('legacy')
    }
  })
})
