// Which jobs of a workflow run, given their `needs:` and `if:` and what earlier jobs did: a small
// evaluator for the part of GitHub's expression language job conditions use (literals, context
// paths, ==, !=, !, &&, ||, parentheses and the status functions), with GitHub's rule that a
// condition without a status function is `success() && (condition)`.
import { needsOf, type Job } from './load'

export type JobResult = 'success' | 'failure' | 'skipped'
type Value = string | boolean | null

function tokenize(text: string): string[] {
  const tokens: string[] = []
  const pattern = /\s*('(?:[^']|'')*'|==|!=|&&|\|\||[()!,]|[A-Za-z_][\w.-]*(?:\(\))?|\d+)/y
  let index = 0
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break
    pattern.lastIndex = index
    const match = pattern.exec(text)
    if (!match) throw new Error(`cannot read expression '${text}' at ${index}`)
    tokens.push(match[1] as string)
    index = pattern.lastIndex
  }
  return tokens
}

const truthy = (value: Value) => value !== null && value !== false && value !== ''
const equal = (a: Value, b: Value) => String(a ?? '').toLowerCase() === String(b ?? '').toLowerCase()

export function evaluate(expression: string, lookup: (path: string) => Value, status: (fn: string) => boolean): Value {
  const tokens = tokenize(expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, '$1'))
  let position = 0
  const peek = () => tokens[position]
  const take = (expected?: string) => {
    const token = tokens[position++]
    if (expected !== undefined && token !== expected) throw new Error(`expected '${expected}' in '${expression}'`)
    return token
  }
  const primary = (): Value => {
    const token = take()
    if (token === undefined) throw new Error(`unexpected end of '${expression}'`)
    if (token === '(') {
      const value = or()
      take(')')
      return value
    }
    if (token === '!') return !truthy(primary())
    if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'")
    if (token === 'true' || token === 'false') return token === 'true'
    if (token === 'null') return null
    if (token.endsWith('()')) return status(token.slice(0, -2))
    return lookup(token)
  }
  const comparison = (): Value => {
    let left = primary()
    while (peek() === '==' || peek() === '!=') {
      const op = take()
      const right = primary()
      left = op === '==' ? equal(left, right) : !equal(left, right)
    }
    return left
  }
  const and = (): Value => {
    let left = comparison()
    while (peek() === '&&') {
      take()
      const right = comparison()
      left = truthy(left) ? right : left
    }
    return left
  }
  const or = (): Value => {
    let left = and()
    while (peek() === '||') {
      take()
      const right = and()
      left = truthy(left) ? left : right
    }
    return left
  }
  const value = or()
  if (position !== tokens.length) throw new Error(`unexpected '${peek()}' in '${expression}'`)
  return value
}

/**
 * Whether a step runs when every earlier step of its job succeeded: its `if:` (absent, the
 * implied success()) evaluated to a truthy value, success() and always() true, failure() and
 * cancelled() false.
 */
export function stepRuns(condition: string | boolean | undefined, lookup: (path: string) => Value): boolean {
  // String(): YAML reads a literal `if: true` as a boolean.
  return condition === undefined || truthy(evaluate(String(condition), lookup, (fn) => fn === 'success' || fn === 'always'))
}

/** Every job `id` needs, directly or through the jobs it needs, each once. */
export function ancestorsOf(jobs: Record<string, Job>, id: string): string[] {
  const seen = new Set<string>()
  const visit = (job: string): void => {
    for (const need of needsOf(jobs[job] ?? {})) {
      if (seen.has(need)) continue
      seen.add(need)
      visit(need)
    }
  }
  visit(id)
  return [...seen]
}

/**
 * Runs the job graph: each job whose condition holds gets `outcome(job)` (default success),
 * the others are skipped. `lookup` answers the non-`needs` context paths (inputs.*, github.*).
 */
export function simulateJobs(
  jobs: Record<string, Job>,
  lookup: (path: string) => Value,
  outputs: (job: string) => Record<string, string>,
  outcome: (job: string) => JobResult = () => 'success',
): Record<string, JobResult> {
  const results: Record<string, JobResult> = {}
  const pending = new Set(Object.keys(jobs))
  while (pending.size > 0) {
    const ready = [...pending].find((id) => needsOf(jobs[id] as Job).every((need) => need in results))
    if (!ready) throw new Error(`cycle or unknown job among ${[...pending].join(', ')}`)
    pending.delete(ready)
    const job = jobs[ready] as Job
    const above = ancestorsOf(jobs, ready).map((id) => results[id])
    const status = (fn: string) => {
      if (fn === 'always') return true
      if (fn === 'cancelled') return false
      if (fn === 'failure') return above.includes('failure')
      if (fn === 'success') return above.every((result) => result === 'success')
      throw new Error(`unknown function ${fn}()`)
    }
    const lookupWithNeeds = (path: string): Value => {
      const match = /^needs\.([\w-]+)\.(result|outputs\.([\w-]+))$/.exec(path)
      if (!match) return lookup(path)
      const [, need = '', , output] = match
      if (!needsOf(job).includes(need)) throw new Error(`job ${ready} reads needs.${need} without needing it`)
      return output === undefined ? (results[need] ?? null) : results[need] === 'success' ? (outputs(need)[output] ?? '') : ''
    }
    let condition = typeof job.if === 'string' ? job.if.replace(/^\$\{\{([\s\S]*)\}\}$/, '$1') : 'success()'
    if (!/\b(success|failure|cancelled|always)\(\)/.test(condition)) condition = `success() && (${condition})`
    results[ready] = truthy(evaluate(condition, lookupWithNeeds, status)) ? outcome(ready) : 'skipped'
  }
  return results
}
