// Just enough of GitHub's expression language to give a step the env it would get: a value is
// literal text with `${{ path }}` or `${{ a || b }}` parts, looked up in a flat context table
// ({'github.ref': ..., 'inputs.service': ...}). Anything else is an error, so a test never
// silently feeds a script something the workflow would not.

export type ExpressionContext = Record<string, string | undefined>

function evaluate(expression: string, context: ExpressionContext): string {
  const alternatives = expression.split('||').map((part) => part.trim())
  for (const alternative of alternatives) {
    let value: string | undefined
    const literal = /^'((?:[^']|'')*)'$/.exec(alternative)
    if (literal) value = (literal[1] ?? '').replace(/''/g, "'")
    else if (/^[A-Za-z_][\w.-]*$/.test(alternative)) {
      if (!(alternative in context)) throw new Error(`no value for \${{ ${alternative} }} in the test context`)
      value = context[alternative]
    } else throw new Error(`expression '${expression}' is beyond this evaluator`)
    if (value) return value
  }
  return ''
}

export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) => evaluate(expression, context))
}

/** A step's `env:` block evaluated against `context`. */
export function resolveEnv(env: Record<string, unknown> | undefined, context: ExpressionContext): Record<string, string> {
  return Object.fromEntries(Object.entries(env ?? {}).map(([key, value]) => [key, interpolate(String(value), context)]))
}
