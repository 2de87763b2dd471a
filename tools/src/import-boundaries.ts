// The workspace's dependency rules, checked on import specifiers (DESIGN.md, "Dependencies point
// one way"): the actions use only the toolkit; tools and apps never reach into an action's src/ or
// test/; the actions' tests take shared test code only from @aks-gitops/test-support, which itself
// depends on nothing in tools/ or the actions but the toolkit.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'

/** Every module specifier a source file names: static and type imports, re-exports, import() and require() with a literal. */
export function importSpecifiers(source: string): string[] {
  const patterns = [/\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1] ?? ''))
}

/** `@aks-gitops/NAME` of a package specifier (subpaths dropped), or undefined for anything else. */
function workspacePackage(specifier: string): string | undefined {
  return /^(@aks-gitops\/[^/]+)/.exec(specifier)?.[1]
}

/** A relative specifier as a repository path (posix), from the importing file's repository path. */
function target(file: string, specifier: string): string | undefined {
  return specifier.startsWith('.') ? posix.normalize(posix.join(posix.dirname(file), specifier)) : undefined
}

const underActionCode = (path: string) => /^actions\/[^/]+\/(src|test)(\/|$)/.test(path)
const underTools = (path: string) => path === 'tools' || path.startsWith('tools/')
const underTestSupport = (path: string) => path === 'tools/test-support' || path.startsWith('tools/test-support/')

/**
 * What `file` (a repository path such as `tools/bench/acr-push.ts`) may not import, one line per
 * offending specifier. `actionPackages`: the actions' package names (`@aks-gitops/acr-push`, ...).
 */
export function boundaryViolations(file: string, source: string, actionPackages: ReadonlySet<string>): string[] {
  const violations: string[] = []
  const inTools = underTools(file)
  const inActionTest = /^actions\/[^/]+\/test\//.test(file)
  const inActionSource = /^actions\/[^/]+\/src\//.test(file)
  for (const specifier of importSpecifiers(source)) {
    const path = target(file, specifier)
    const pkg = workspacePackage(specifier)
    const refuse = (why: string) => violations.push(`${file}: imports '${specifier}': ${why}`)
    if (inTools || file.startsWith('apps/')) {
      if (path && underActionCode(path)) refuse("tools and apps never import an action's src/ or test/ (actions run as bundles; shared code lives in the toolkit or test-support)")
      else if (pkg && actionPackages.has(pkg)) refuse('tools and apps never import an action package')
    }
    if (underTestSupport(file)) {
      if ((path && underTools(path) && !underTestSupport(path)) || pkg === '@aks-gitops/tools') refuse('test-support depends on nothing in tools/ (tools depend on it)')
    }
    if (inActionTest) {
      if ((path && underTools(path) && !underTestSupport(path)) || pkg === '@aks-gitops/tools') refuse('an action\'s tests take shared test code only from @aks-gitops/test-support')
    }
    if (inActionSource) {
      if ((path && underTools(path)) || pkg === '@aks-gitops/tools' || pkg === '@aks-gitops/test-support') refuse('an action imports only the toolkit')
    }
  }
  return violations
}

/** TypeScript and JavaScript sources under `dir` (a repository path), without node_modules and dist bundles. */
export function sourceFiles(root: string, dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(dir, entry.name)
    if (entry.isDirectory()) return entry.name === 'node_modules' || entry.name === 'dist' ? [] : sourceFiles(root, path)
    return /\.(ts|mts|cts|js|mjs|cjs)$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : []
  })
}

/** The package names of the actions (every folder of actions/ but the toolkit). */
export function actionPackageNames(root: string): Set<string> {
  const dirs = readdirSync(join(root, 'actions'), { withFileTypes: true }).filter((d) => d.isDirectory() && d.name !== 'toolkit')
  return new Set(dirs.flatMap((d) => {
    const manifest = join(root, 'actions', d.name, 'package.json')
    return existsSync(manifest) ? [(JSON.parse(readFileSync(manifest, 'utf8')) as { name: string }).name] : []
  }))
}

/** Every violation in the repository at `root`. */
export function repositoryViolations(root: string): string[] {
  const actions = actionPackageNames(root)
  return ['actions', 'apps', 'tools'].flatMap((dir) => sourceFiles(root, dir)).flatMap((file) => boundaryViolations(file, readFileSync(join(root, file), 'utf8'), actions))
}
