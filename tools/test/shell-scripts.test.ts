// The shell scripts a fresh machine runs first (.ci/run, bootstrap, the engine) pass shellcheck.
import { execFileSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'

const scripts = ['.ci/run', 'tools/bootstrap.sh', ...readdirSync(join(REPO_ROOT, 'tools/engine')).filter((f) => f.endsWith('.sh')).map((f) => `tools/engine/${f}`)]

function shellcheck(file: string): string {
  try {
    execFileSync('shellcheck', ['--external-sources', '--source-path=tools/engine', file], { cwd: REPO_ROOT, encoding: 'utf8' })
    return ''
  } catch (error) {
    return (error as { stdout?: string; message: string }).stdout || (error as Error).message
  }
}

describe('shell scripts', () => {
  it.each(scripts)('%s has no shellcheck findings', (file) => {
    expect(shellcheck(file)).toBe('')
  })
})
