// Gives a step the env and inputs it would get: a value is literal text with `${{ expression }}`
// parts, evaluated with the job-condition evaluator (literals, context paths, ==, !=, !, &&, ||,
// parentheses) against a flat context table ({'github.ref': ..., 'inputs.service': ...}). A path
// missing from the table or anything beyond that grammar is an error, so a test never silently
// feeds a script something the workflow would not. Results become strings as GitHub makes them
// for `env:` and `with:` (true/false for booleans, '' for null).
import { evaluate } from './job-graph'
import { workflowCall, type CallInput, type Workflow } from './load'

/** Context paths to values; a boolean input stays a boolean, as GitHub gives it to expressions. */
export type ExpressionContext = Record<string, string | boolean | undefined>

/** Looks context paths up in `context`; a path it lacks is an error, never an empty value. */
export function lookupIn(context: ExpressionContext): (path: string) => string | boolean {
  return (path) => {
    if (!(path in context)) throw new Error(`no value for \${{ ${path} }} in the test context`)
    return context[path] ?? ''
  }
}

function value(expression: string, context: ExpressionContext): string {
  const result = evaluate(
    expression,
    lookupIn(context),
    (fn) => {
      throw new Error(`${fn}() in '${expression}' is beyond this evaluator`)
    },
  )
  return result === null ? '' : String(result)
}

export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => value(expression, context))
}

/** A step's `env:` block evaluated against `context`. */
export function resolveEnv(env: Record<string, unknown> | undefined, context: ExpressionContext): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([key, entry]) => [key, interpolate(String(entry), context)]))
}

/**
 * The `inputs.*` the jobs of the reusable workflow `called` see when `callerWith` calls it: each
 * declared default, then the caller's `with:` evaluated in `context`, as the declared type (a
 * boolean input is a boolean, so `inputs.x && 'a' || 'b'` behaves as on GitHub).
 */
export function callInputs(called: Workflow, callerWith: Record<string, unknown>, context: ExpressionContext): ExpressionContext {
  const declared = workflowCall(called)?.inputs ?? {}
  const typed = (input: CallInput | undefined, value: unknown): string | boolean =>
    input?.type === 'boolean' ? value === true || value === 'true' : value === undefined ? '' : String(value)
  const inputs: ExpressionContext = {}
  for (const [name, input] of Object.entries(declared)) inputs[`inputs.${name}`] = typed(input, input.default)
  for (const [name, value] of Object.entries(callerWith)) inputs[`inputs.${name}`] = typed(declared[name], interpolate(String(value), context))
  return inputs
}
