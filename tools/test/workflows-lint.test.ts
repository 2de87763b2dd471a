// Every workflow passes actionlint with zero findings (bar a tested allow-list), GitHub's own
// workflow and action schemas, and shellcheck on every run: script.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { ALLOWED_MESSAGES, DEPLOYMENT_KEY_MESSAGE, QUEUE_KEY_MESSAGE, lintWorkflow, lintWorkflowRaw } from '../src/workflows/actionlint'
import { loadWorkflows, parseWorkflow, runScripts, type RunScript } from '../src/workflows/load'
import { actionSchemaErrors, workflowSchemaErrors } from '../src/workflows/schema'

const workflows = loadWorkflows()
const SHELLCHECK = '/usr/bin/shellcheck'

describe('actionlint', () => {
  it.each(workflows.map((w) => [w.path, w] as const))('%s has no findings', async (_, workflow) => {
    expect(await lintWorkflow(workflow.text, workflow.path)).toEqual([])
  }, 60_000)

  const reusable = `on: workflow_call
permissions: {}
jobs:
  a:
    runs-on: ubuntu-latest
    permissions: {}
    steps:
      - uses: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8 # v5.0.0
        with:
          repository: \${{ job.workflow_repository }}
          ref: \${{ job.workflow_sha }}
          persist-credentials: false
`

  it('allows exactly the job.workflow_* messages actionlint 1.7.7 does not know', async () => {
    const every = `${reusable}      - run: echo "$A $B"
        env:
          A: \${{ job.workflow_ref }}
          B: \${{ job.workflow_file_path }}
`
    const raw = await lintWorkflowRaw(every, '.github/workflows/reusable.yml')
    expect(raw.map((finding) => finding.message).sort()).toEqual([...ALLOWED_MESSAGES].sort())
    expect(await lintWorkflow(every, '.github/workflows/reusable.yml')).toEqual([])
  }, 60_000)

  // `queue` (GitHub changelog 2026-05-07; workflows-platform.test.ts checks its values) and
  // `environment: {name, deployment: false}` (GitHub's docs, see actionlint.ts) are newer than
  // actionlint 1.7.7, which reports the key and nothing else; GitHub's parser knows both.
  it.each([
    ['queue: in a concurrency block', '    concurrency:\n      group: g\n      cancel-in-progress: false\n      queue: max\n', QUEUE_KEY_MESSAGE],
    ['deployment: in an environment', '    environment:\n      name: staging\n      deployment: false\n', DEPLOYMENT_KEY_MESSAGE],
  ])('allows exactly the one message actionlint 1.7.7 gives for %s', async (_, block, message) => {
    const text = reusable.replace('    permissions: {}\n    steps', `    permissions: {}\n${block}    steps`)
    const raw = await lintWorkflowRaw(text, '.github/workflows/reusable.yml')
    expect(raw.filter((finding) => finding.kind === 'syntax-check').map((finding) => finding.message)).toEqual([message])
    expect(await lintWorkflow(text, '.github/workflows/reusable.yml')).toEqual([])
  }, 60_000)

  it.each([
    ['a misspelt job property', reusable.replace('job.workflow_sha', 'job.workflow_shaa'), /workflow_shaa/],
    ['an untrusted value expanded in a script', `${reusable}      - run: echo "\${{ github.event.head_commit.message }}"\n`, /potentially untrusted/],
    // actionlint knows the inputs of popular actions by version tag (not by SHA pin).
    ['an unknown input of a known action', reusable.replace(/actions\/checkout@\S+ # v5.0.0/, 'actions/checkout@v4').replace('persist-credentials: false', 'persist-credential: false'), /input "persist-credential" is not defined/],
    ['a job without runs-on', reusable.replace('    runs-on: ubuntu-latest\n', ''), /runs-on/],
    ['a misspelt environment key', reusable.replace('    permissions: {}\n    steps', '    permissions: {}\n    environment:\n      name: staging\n      deploymnet: false\n    steps'), /unexpected key "deploymnet" for "environment" section/],
    ['a misspelt concurrency key', reusable.replace('    permissions: {}\n    steps', '    permissions: {}\n    concurrency:\n      group: g\n      queu: max\n    steps'), /unexpected key "queu" for "concurrency" section/],
    ['an undefined step output', `${reusable}      - run: echo "$X"\n        env:\n          X: \${{ steps.nope.outputs.x }}\n`, /property "nope" is not defined/],
  ])('still reports %s', async (_, text, message) => {
    const findings = await lintWorkflow(text, '.github/workflows/planted.yml')
    expect(findings.map((finding) => finding.message).join('\n')).toMatch(message)
  }, 60_000)
})

describe("GitHub's schemas (@actions/workflow-parser)", () => {
  it.each(workflows.map((w) => [w.path, w] as const))('%s is a valid workflow', async (_, workflow) => {
    expect(await workflowSchemaErrors(workflow.path, workflow.text)).toEqual([])
  })

  const actions = readdirSync(join(REPO_ROOT, 'actions'))
    .map((name) => join('actions', name, 'action.yml'))
    .filter((path) => existsSync(join(REPO_ROOT, path)))
  it.each(actions)('%s is a valid action', (path) => {
    expect(actionSchemaErrors(path, readFileSync(join(REPO_ROOT, path), 'utf8'))).toEqual([])
  })

  it('rejects a planted invalid workflow and action', async () => {
    expect((await workflowSchemaErrors('x.yml', 'on: push\njobs:\n  a:\n    steps: []\n    bogus: 1\n')).join('\n')).toMatch(/bogus[\s\S]*runs-on/)
    const badExpression = 'on: push\njobs:\n  a:\n    runs-on: x\n    needs: nope\n    steps:\n      - run: echo "$X"\n        env:\n          X: ${{ github.ref ) }}\n'
    expect((await workflowSchemaErrors('x.yml', badExpression)).join('\n')).toMatch(/Unexpected symbol[\s\S]*no dependencies/)
    const badCall = 'on: push\njobs:\n  a:\n    uses: ./.github/workflows/pipeline.yml\n    with:\n      servise: vote\n'
    expect((await workflowSchemaErrors('x.yml', badCall)).join('\n')).toMatch(/servise/)
    expect(actionSchemaErrors('action.yml', 'name: x\nruns:\n  using: node99\n').join('\n')).toMatch(/node99/)
  })
})

/** shellcheck's findings for the given scripts, each written to a file named after its step. */
function shellcheck(scripts: readonly RunScript[]): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'shellcheck-'))
  try {
    const files = scripts.map((script, index) => {
      const file = join(dir, `${index}.sh`)
      writeFileSync(file, script.script)
      return file
    })
    const result = spawnSync(SHELLCHECK, ['--shell=bash', '--severity=style', '--format=json1', ...files], { encoding: 'utf8' })
    if (result.error) throw result.error
    const comments = (JSON.parse(result.stdout) as { comments: { file: string; line: number; code: number; message: string }[] }).comments
    return comments.map((comment) => {
      const script = scripts[Number(comment.file.replace(/^.*\//, '').replace(/\.sh$/, ''))] as RunScript
      return `${script.workflow}:${script.line + comment.line - 1} (job ${script.job}): SC${comment.code} ${comment.message}`
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('shellcheck on every run: script', () => {
  const scripts = workflows.flatMap(runScripts)

  it('finds the scripts with their lines', () => {
    expect(scripts.length).toBeGreaterThanOrEqual(10)
    const audit = scripts.find((script) => script.workflow.endsWith('pipeline.yml') && script.job === 'audit' && script.step.id === 'audit')
    const lines = readFileSync(join(REPO_ROOT, '.github/workflows/pipeline.yml'), 'utf8').split('\n')
    expect(lines[(audit?.line ?? 0) - 1]?.trim()).toBe('set -euo pipefail')
  })

  it('has no findings at any severity', () => {
    expect(shellcheck(scripts)).toEqual([])
  })

  // The callers' test-command runs as `bash -c "$TEST_COMMAND"` in the pipeline's test job.
  it('has no findings in the test commands the callers hand to the pipeline', () => {
    const commands = workflows.flatMap((workflow) =>
      Object.entries(workflow.jobs)
        .filter(([, job]) => typeof job.with?.['test-command'] === 'string')
        .map(([id, job]): RunScript => ({ workflow: workflow.path, job: id, step: {}, script: String(job.with?.['test-command']), line: 1 })),
    )
    expect(commands.map((c) => c.workflow).sort()).toEqual(['.github/workflows/result.yml', '.github/workflows/vote.yml', '.github/workflows/worker.yml'])
    for (const command of commands) expect(command.script).not.toContain('${{')
    expect(shellcheck(commands)).toEqual([])
  })

  it('reports a planted unquoted expansion', () => {
    const planted = parseWorkflow('.github/workflows/planted.yml', 'on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: |\n          rm -rf $DIR/*\n')
    expect(shellcheck(runScripts(planted)).join('\n')).toMatch(/planted\.yml:7 \(job a\): SC2086/)
  })
})
