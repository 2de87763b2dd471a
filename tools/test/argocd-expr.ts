// Evaluates Argo CD trigger conditions the way expr-lang (github.com/expr-lang/expr, which
// notifications-engine's triggers run: pkg/triggers/service.go) does, for the part of the language
// argocd-notifications-cm uses: and/or/not (short-circuit), == != < > <= >= in, + - * /, member
// access with `.` (a field of nil is an error) and `?.` (nil stops the chain), array literals, and
// the documented time functions (functions.md: time.Parse of RFC 3339, time.Now, durations, and
// Go's Time methods Add, Sub, Before, After). It lets tests run each trigger against sample
// Applications; an evaluation error counts as "not fired", as the engine logs it and sends nothing.
import { tokens, type Token } from './argocd-notifications-checks'

export class ExprError extends Error {
  override name = 'ExprError'
}

class Duration {
  constructor(readonly ms: number) {}
  Minutes(): number {
    return this.ms / 60_000
  }
  Seconds(): number {
    return this.ms / 1000
  }
}

class Time {
  constructor(readonly ms: number) {}
  Add(d: Duration): Time {
    return new Time(this.ms + d.ms)
  }
  Sub(t: Time): Duration {
    return new Duration(this.ms - t.ms)
  }
  Before(t: Time): boolean {
    return this.ms < t.ms
  }
  After(t: Time): boolean {
    return this.ms > t.ms
  }
}

const nil = (v: unknown): boolean => v === undefined || v === null

function timeFunctions(now: number): Record<string, unknown> {
  return {
    Now: () => new Time(now),
    Parse: (text: unknown) => {
      const ms = typeof text === 'string' && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(text) ? Date.parse(text) : NaN
      if (Number.isNaN(ms)) throw new ExprError(`time.Parse: ${JSON.stringify(text)} is not RFC 3339`)
      return new Time(ms)
    },
    Second: new Duration(1000),
    Minute: new Duration(60_000),
    Hour: new Duration(3_600_000),
  }
}

type Node = () => unknown
const BINARY: Record<string, number> = { or: 1, '||': 1, and: 2, '&&': 2, '==': 3, '!=': 3, '<': 3, '>': 3, '<=': 3, '>=': 3, in: 3, '+': 4, '-': 4, '*': 5, '/': 5 }

function arithmetic(op: string, a: unknown, b: unknown): unknown {
  if (op === '*' && typeof a === 'number' && b instanceof Duration) return new Duration(a * b.ms)
  if (op === '*' && a instanceof Duration && typeof b === 'number') return new Duration(a.ms * b)
  if (typeof a !== 'number' || typeof b !== 'number') throw new ExprError(`invalid operation: ${op} on ${typeof a} and ${typeof b}`)
  return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b
}

function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '==') return nil(a) && nil(b) ? true : a === b
  if (op === '!=') return !(nil(a) && nil(b) ? true : a === b)
  if (op === 'in') {
    if (!Array.isArray(b)) throw new ExprError('in: the right side is not an array')
    return b.includes(a)
  }
  if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) throw new ExprError(`invalid operation: ${op} on ${typeof a} and ${typeof b}`)
  const [x, y] = [a as number | string, b as number | string]
  return op === '<' ? x < y : op === '>' ? x > y : op === '<=' ? x <= y : x >= y
}

/** Evaluates `text` with the variables given (app, and time at `now`). */
export function evaluate(text: string, vars: Record<string, unknown>, now = Date.now()): unknown {
  const problems: string[] = []
  const lexed = tokens('expression', text, problems)
  if (!lexed) throw new ExprError(problems.join('; '))
  const list: Token[] = lexed
  const scope: Record<string, unknown> = { time: timeFunctions(now), ...vars }
  let i = 0
  const take = (): Token => {
    const t = list[i++]
    if (!t) throw new ExprError('unexpected end of the expression')
    return t
  }
  const expect = (text: string): void => {
    const t = take()
    if (t.text !== text) throw new ExprError(`expected "${text}", got "${t.text}"`)
  }

  function primary(): Node {
    const t = take()
    if (t.kind === 'number') return () => Number(t.text)
    if (t.kind === 'string') return () => t.text.slice(1, -1).replace(/\\(.)/g, '$1')
    if (t.kind === 'open' && t.text === '(') {
      const inner = expression(0)
      expect(')')
      return inner
    }
    if (t.kind === 'open' && t.text === '[') {
      const items: Node[] = []
      while (list[i]?.text !== ']') {
        items.push(expression(0))
        if (list[i]?.text === ',') i++
      }
      expect(']')
      return () => items.map((n) => n())
    }
    if (t.kind === 'name') {
      if (t.text === 'nil') return () => undefined
      if (t.text === 'true' || t.text === 'false') return () => t.text === 'true'
      if (!(t.text in scope)) throw new ExprError(`unknown name ${t.text}`)
      return () => scope[t.text]
    }
    throw new ExprError(`unexpected "${t.text}"`)
  }

  /** A primary and its member accesses and calls; `?.` on nil makes the rest of the chain nil. */
  function chain(): Node {
    let node = primary()
    let optional = false
    while (list[i]?.kind === 'dot' || list[i]?.text === '(') {
      const t = take()
      const base = node
      const short: boolean = optional || t.optional === true
      optional = short
      if (t.text === '(') {
        const args: Node[] = []
        while (list[i]?.text !== ')') {
          args.push(expression(0))
          if (list[i]?.text === ',') i++
        }
        expect(')')
        node = () => {
          const f = base()
          if (nil(f) && short) return undefined
          if (typeof f !== 'function') throw new ExprError('not a function')
          return (f as (...a: unknown[]) => unknown)(...args.map((a) => a()))
        }
        continue
      }
      const name = take()
      if (name.kind !== 'name') throw new ExprError(`expected a field name after "${t.text}"`)
      node = () => {
        const v = base()
        if (nil(v)) {
          if (short) return undefined
          throw new ExprError(`cannot fetch ${name.text} from nil`)
        }
        const field = (v as Record<string, unknown>)[name.text]
        return typeof field === 'function' ? (field as (...a: unknown[]) => unknown).bind(v) : field
      }
    }
    return node
  }

  function unary(): Node {
    const t = list[i]
    if (t && (t.text === '!' || t.text === 'not')) {
      i++
      const operand = unary()
      return () => {
        const v = operand()
        if (typeof v !== 'boolean') throw new ExprError(`! on ${typeof v}`)
        return !v
      }
    }
    if (t?.text === '-') {
      i++
      const operand = unary()
      return () => arithmetic('-', 0, operand())
    }
    return chain()
  }

  function expression(min: number): Node {
    let left = unary()
    for (;;) {
      const op = list[i]?.text ?? ''
      const prec = BINARY[op]
      if (prec === undefined || prec <= min) return left
      i++
      const right = expression(prec)
      const l = left
      if (op === 'and' || op === '&&') left = () => l() === true && right() === true
      else if (op === 'or' || op === '||') left = () => l() === true || right() === true
      else if (prec === 3) left = () => compare(op, l(), right())
      else left = () => arithmetic(op, l(), right())
    }
  }

  const root = expression(0)
  if (i < list.length) throw new ExprError(`unexpected "${list[i]!.text}"`)
  return root()
}

/** Whether a trigger condition fires: true only for a boolean true; an error does not fire (the engine logs it). */
export function fires(when: string, app: unknown, now?: number): boolean {
  try {
    return evaluate(when, { app }, now) === true
  } catch (error) {
    if (error instanceof ExprError) return false
    throw error
  }
}
