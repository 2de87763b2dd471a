// One pair of tests per workflow rule: the repository's workflows comply, and a planted violation
// is reported, so no rule can pass by matching nothing.
import { expect, it } from 'vitest'
import type { Rule } from '../../src/workflows/hardening'
import type { Workflow } from '../../src/workflows/load'

export function itChecksEachRule<Name extends string>(
  rules: Record<Name, Rule>,
  violations: Record<Name, Workflow>,
  workflows: readonly Workflow[],
): void {
  for (const name of Object.keys(rules) as Name[]) {
    const rule = rules[name]
    it(`${name}: every workflow complies`, () => {
      expect(workflows.flatMap(rule)).toEqual([])
    })
    it(`${name}: a planted violation is reported`, () => {
      expect(rule(violations[name]).length).toBeGreaterThan(0)
    })
  }
}
