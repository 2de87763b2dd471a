// Prints one plain closing line, "tests: N passed, N failed, N skipped", after vitest's own
// summary, so that CI logs can be read by tools that do not know vitest's format.
import type { Reporter, TestModule } from 'vitest/node'

export default class TestSummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const counts = { passed: 0, failed: 0, skipped: 0, pending: 0 }
    for (const testModule of testModules) {
      for (const test of testModule.children.allTests()) counts[test.result().state]++
      // A file that failed to load has no tests but still fails the run.
      if (testModule.state() === 'failed' && testModule.children.size === 0) counts.failed++
    }
    process.stdout.write(`\ntests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
  }
}
