// Validation against GitHub's own workflow and action schemas with @actions/workflow-parser, the
// parser behind GitHub's Actions language service: the schema, then the conversion to a
// workflow model (expression syntax, the `needs` graph) with local reusable workflows loaded,
// so a caller's `with:` is checked against the called workflow's inputs too.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'
import { ErrorPolicy } from '@actions/workflow-parser/model/convert'
import type { FileProvider } from '@actions/workflow-parser/workflows/file-provider'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

/** Local reusable workflows (`./.github/workflows/x.yml`) from the work tree; nothing remote. */
const localFiles: FileProvider = {
  getFileContent: (ref) => {
    if ('repository' in ref) throw new Error(`remote workflow ${ref.owner}/${ref.repository}/${ref.path}@${ref.version} is not fetched in tests`)
    return Promise.resolve({ name: ref.path, content: readFileSync(join(REPO_ROOT, ref.path), 'utf8') })
  },
}

export async function workflowSchemaErrors(path: string, content: string): Promise<string[]> {
  const result = parseWorkflow({ name: path, content }, new NoOperationTraceWriter())
  if (result.value) {
    await convertWorkflowTemplate(result.context, result.value, localFiles, {
      errorPolicy: ErrorPolicy.TryConversion,
      fetchReusableWorkflowDepth: 1,
    })
  }
  return result.context.errors.getErrors().map((error) => error.message)
}

export function actionSchemaErrors(path: string, content: string): string[] {
  const result = parseAction({ name: path, content }, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map((error) => error.message)
}
