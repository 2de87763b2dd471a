// Validation against GitHub's own workflow and action schemas (@actions/workflow-parser, the
// parser behind GitHub's Actions language service).
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/action-parser'

export function workflowSchemaErrors(path: string, content: string): string[] {
  const result = parseWorkflow({ name: path, content }, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map((error) => error.message)
}

export function actionSchemaErrors(path: string, content: string): string[] {
  const result = parseAction({ name: path, content }, new NoOperationTraceWriter())
  return result.context.errors.getErrors().map((error) => error.message)
}
