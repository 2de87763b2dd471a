// Dependencies point one way (DESIGN.md): tools and apps never import an action's src/ or test/,
// the actions' tests take shared test code only from @aks-gitops/test-support, test-support
// depends on nothing in tools/, and the actions import only the toolkit.
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { actionPackageNames, boundaryViolations, importSpecifiers, repositoryViolations } from '../src/import-boundaries'

const ACTIONS = new Set(['@aks-gitops/acr-push', '@aks-gitops/bump-manifest'])
const check = (file: string, specifier: string) => boundaryViolations(file, `import { x } from '${specifier}'\n`, ACTIONS)

describe('import boundaries', () => {
  it('hold in this repository', () => {
    expect(repositoryViolations(REPO_ROOT)).toEqual([])
  })

  it("knows the actions' packages (not the toolkit)", () => {
    const names = actionPackageNames(REPO_ROOT)
    expect(names).toContain('@aks-gitops/bump-manifest')
    expect(names).not.toContain('@aks-gitops/toolkit')
  })

  it('finds static, type, side-effect, dynamic and require imports and re-exports', () => {
    const source = [
      "import a from './a'",
      "import type { B } from '../b'",
      "import './c'",
      "export { d } from './d'",
      "const e = await import('./e')",
      "const f = require('./f')",
      'import {',
      '  g,',
      "} from './g'",
    ].join('\n')
    expect(importSpecifiers(source).sort()).toEqual(['../b', './a', './c', './d', './e', './f', './g'])
  })

  it("refuses tools and apps reaching into an action's src/ or test/", () => {
    expect(check('tools/bench/acr-push.ts', '../../actions/acr-push/test/helpers/layout')).toHaveLength(1)
    expect(check('tools/pipeline/plan.ts', '../../actions/buildx-multiarch/src/tags')).toHaveLength(1)
    expect(check('tools/test/pipeline/gitops.test.ts', '../../../actions/toolkit/src/git')).toHaveLength(1)
    expect(check('apps/vote/src/index.ts', '../../../actions/bump-manifest/src/plan')).toHaveLength(1)
    expect(check('tools/test-support/src/repo.ts', '../../../actions/bump-manifest/test/helpers/fake-github')).toHaveLength(1)
    expect(check('tools/pipeline/steps.ts', '@aks-gitops/bump-manifest')).toHaveLength(1)
  })

  it('lets tools use the toolkit, test-support and their own modules', () => {
    expect(check('tools/pipeline/steps.ts', '@aks-gitops/toolkit')).toEqual([])
    expect(check('tools/bench/acr-push.ts', '@aks-gitops/test-support/layout')).toEqual([])
    expect(check('tools/pipeline/audit.ts', '../src/workflows/load')).toEqual([])
    expect(check('apps/vote/src/index.ts', '@aks-gitops/app-shared')).toEqual([])
  })

  it("refuses an action's tests importing tools/ other than test-support", () => {
    expect(check('actions/acr-push/test/e2e.test.ts', '@aks-gitops/tools/action-runner')).toHaveLength(1)
    expect(check('actions/acr-push/test/e2e.test.ts', '../../../tools/src/workflows/load')).toHaveLength(1)
    expect(check('actions/bump-manifest/test/helpers/github-sandbox.ts', '../../../../tools/test/helpers/git')).toHaveLength(1)
    expect(check('actions/acr-push/test/e2e.test.ts', '@aks-gitops/test-support/registry')).toEqual([])
    expect(check('actions/acr-push/test/e2e.test.ts', '../../../tools/test-support/src/registry')).toEqual([])
    expect(check('actions/acr-push/test/e2e.test.ts', './helpers/fake-azure')).toEqual([])
  })

  it('refuses test-support depending on tools, and an action depending on anything but the toolkit', () => {
    expect(check('tools/test-support/src/action-runner.ts', '../../src/workflows/load')).toHaveLength(1)
    expect(check('tools/test-support/src/action-runner.ts', '@aks-gitops/tools')).toHaveLength(1)
    expect(check('tools/test-support/src/repo.ts', './action-runner')).toEqual([])
    expect(check('actions/acr-push/src/main.ts', '@aks-gitops/test-support/registry')).toHaveLength(1)
    expect(check('actions/acr-push/src/main.ts', '../../../tools/src/workflows/load')).toHaveLength(1)
    expect(check('actions/acr-push/src/main.ts', '@aks-gitops/toolkit')).toEqual([])
  })
})
