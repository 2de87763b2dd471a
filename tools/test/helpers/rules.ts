// One set of tests per workflow rule: the repository's workflows comply, and each planted
// violation is reported, so no rule can pass by matching nothing.
import { expect, it } from 'vitest'
import type { Rule } from '../../src/workflows/hardening'
import type { Workflow } from '../../src/workflows/load'

/** One planted workflow per rule, or several, each with what it plants. */
type Violations = Workflow | readonly (readonly [string, Workflow])[]

export function itChecksEachRule<Name extends string>(
  rules: Record<Name, Rule>,
  violations: Record<Name, Violations>,
  workflows: readonly Workflow[],
): void {
  for (const name of Object.keys(rules) as Name[]) {
    const rule = rules[name]
    const planted = violations[name]
    it(`${name}: every workflow complies`, () => {
      expect(workflows.flatMap(rule)).toEqual([])
    })
    it.each(Array.isArray(planted) ? planted : [['a planted violation', planted] as const])(`${name}: reports %s`, (_, workflow) => {
      expect(rule(workflow).length).toBeGreaterThan(0)
    })
  }
}
