// Path-filter routing: which workflows GitHub starts for a push or pull request, evaluated
// with GitHub's filter-pattern semantics over the real `on:` blocks.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import picomatch from 'picomatch'
import { describe, expect, it } from 'vitest'
import { filterPatternToRegExp, matchesFilters } from '../src/workflows/filter-pattern'
import { REPO_ROOT } from '@aks-gitops/test-support/action-runner'
import { DEFAULT_MANIFESTS } from '@aks-gitops/toolkit'
import { buildInCaller } from '../pipeline/service-paths'
import { loadWorkflows, workflowById, workflowCall } from '../src/workflows/load'
import { triggeredWorkflows, type RepoEvent } from '../src/workflows/triggers'

const workflows = loadWorkflows()
const BUILDS = ['result', 'vote', 'worker']
const pipeline = workflowById(workflows, 'pipeline')
const pipelineInputs = workflowCall(pipeline)?.inputs ?? {}
/** The files a deploy's manifest commit touches: the pipeline's defaults for both environments (its inputs are '' and the plan applies DEFAULT_MANIFESTS). */
const MANIFEST_COMMIT: string[] = Object.values(DEFAULT_MANIFESTS)

const push = (ref: string, ...files: string[]): RepoEvent => ({ name: 'push', ref, files })
const pr = (base: string, ...files: string[]): RepoEvent => ({ name: 'pull_request', base, files })
const run = (event: RepoEvent) => triggeredWorkflows(workflows, event)
const builds = (event: RepoEvent) => run(event).filter((id) => BUILDS.includes(id))

describe("GitHub's filter patterns", () => {
  it.each([
    ['feature/*', 'feature/my-branch', true],
    ['feature/*', 'feature/your/branch', false],
    ['feature/**', 'feature/your/branch', true],
    ['v2*', 'v2.0', true],
    ['v[12].[0-9]+.[0-9]+', 'v1.10.1', true],
    ['v[12].[0-9]+.[0-9]+', 'v3.0.0', false],
    ['v[0-9]+.[0-9]+.[0-9]+', 'vote/v1.2.3', false],
    ['*.jsx?', 'page.js', true],
    ['*.jsx?', 'page.jsx', true],
    ['*.jsx?', 'src/page.js', false],
    ['**.js', 'src/deep/page.js', true],
    ['docs/**', 'docs/a/b.md', true],
    ['apps/vote/**', 'apps/voter/x.ts', false],
    ['apps/vote/**', 'apps/vote/Dockerfile', true],
    ['\\*star', '*star', true],
    ['\\*star', 'xstar', false],
  ])('%s on %s: %s', (pattern, value, expected) => {
    expect(filterPatternToRegExp(pattern).test(value)).toBe(expected)
  })

  it('lets a later negation exclude, and a later pattern include again', () => {
    expect(matchesFilters(['docs/**', '!docs/**/*.md'], 'docs/a/b.md')).toBe(false)
    expect(matchesFilters(['docs/**', '!docs/**/*.md'], 'docs/a/b.txt')).toBe(true)
    expect(matchesFilters(['!docs/**', 'docs/keep/**'], 'docs/keep/x')).toBe(true)
  })

  it('agrees with picomatch wherever the two syntaxes coincide (*, ** and literals)', () => {
    const patterns = ['apps/vote/**', 'apps/*/Dockerfile', 'k8s-specifications/**', '.github/workflows/pipeline.yml', 'feature/**', '*.md']
    const paths = ['apps/vote/Dockerfile', 'apps/vote/src/a.ts', 'apps/result/Dockerfile', 'k8s-specifications/base/x.yaml',
      '.github/workflows/pipeline.yml', 'feature/a/b', 'README.md', 'docs/README.md', 'apps/shared/src/x.ts']
    for (const pattern of patterns) {
      const glob = picomatch(pattern, { dot: true })
      for (const path of paths) expect(filterPatternToRegExp(pattern).test(path), `${pattern} ${path}`).toBe(glob(path))
    }
  })
})

describe('which workflows a change starts', () => {
  it('builds only vote for a change in apps/vote, on every GitFlow branch', () => {
    for (const ref of ['refs/heads/develop', 'refs/heads/feature/ballot', 'refs/heads/release/vote/v1.2.0']) {
      expect(run(push(ref, 'apps/vote/src/server.ts')), ref).toEqual(['ci', 'vote'])
    }
    expect(run(pr('develop', 'apps/vote/Dockerfile'))).toEqual(['ci', 'vote'])
    expect(run(pr('main', 'apps/vote/src/page.ts', 'apps/vote/README.md'))).toEqual(['ci', 'vote'])
  })

  it('builds result and worker only for their own changes', () => {
    expect(builds(push('refs/heads/develop', 'apps/result/src/tally.ts'))).toEqual(['result'])
    expect(builds(push('refs/heads/develop', 'apps/worker/src/worker.ts'))).toEqual(['worker'])
    expect(builds(push('refs/heads/develop', 'apps/worker/a.ts', 'apps/result/b.ts'))).toEqual(['result', 'worker'])
  })

  it('builds every service when something all their images bundle changes', () => {
    for (const file of ['apps/shared/src/logger.ts', 'pnpm-lock.yaml', 'tsconfig.base.json', '.github/workflows/pipeline.yml']) {
      expect(builds(push('refs/heads/develop', file)), file).toEqual(BUILDS)
    }
    expect(builds(push('refs/heads/develop', '.github/workflows/vote.yml'))).toEqual(['vote'])
  })

  it("builds a release branch's own service only", () => {
    expect(builds(push('refs/heads/release/vote/v1.2.0', 'apps/shared/src/x.ts'))).toEqual(['vote'])
    expect(builds(push('refs/heads/release/vote/v1.2.0', 'apps/result/src/x.ts'))).toEqual([])
  })

  it("starts no build for a manifest commit, but starts the manifest validation", () => {
    expect(MANIFEST_COMMIT.every((file) => file.startsWith('k8s-specifications/'))).toBe(true)
    // The pipeline declares no default of its own: an empty input is the plan's DEFAULT_MANIFESTS.
    expect([pipelineInputs.manifests?.default, pipelineInputs['production-manifests']?.default]).toEqual(['', ''])
    for (const ref of ['refs/heads/main', 'refs/heads/develop']) {
      expect(run(push(ref, ...MANIFEST_COMMIT)), ref).toEqual(['manifests'])
      expect(run(push(ref, MANIFEST_COMMIT[0] as string)), ref).toEqual(['manifests'])
    }
    // bump-manifest's pull-request mode: no build either; CI runs on every pull request
    // (a required check that path filters skipped would block the merge).
    expect(builds(pr('main', ...MANIFEST_COMMIT))).toEqual([])
    expect(run(pr('main', ...MANIFEST_COMMIT))).toEqual(['ci', 'manifests'])
  })

  it('validates manifests and builds when one push changes both', () => {
    expect(run(push('refs/heads/develop', 'apps/vote/src/a.ts', 'k8s-specifications/base/vote-deployment.yaml'))).toEqual(['ci', 'manifests', 'vote'])
  })

  it('routes a service tag by its name alone (path filters do not apply to tags)', () => {
    expect(run(push('refs/tags/vote/v1.2.0'))).toEqual(['vote'])
    expect(run(push('refs/tags/worker/v0.3.1', 'README.md'))).toEqual(['worker'])
    expect(run(push('refs/tags/v1.4.0'))).toEqual(['release'])
    expect(run(push('refs/tags/v1.4'))).toEqual([])
  })

  it('builds nothing for changes outside the images; main builds (publishing nothing: production comes from tags) to warm the cache', () => {
    expect(run(push('refs/heads/develop', 'README.md', 'actions/bump-manifest/src/main.ts'))).toEqual(['ci'])
    expect(run(push('refs/heads/main', 'apps/vote/src/a.ts'))).toEqual(['ci', 'vote'])
    expect(run(push('refs/heads/main', 'README.md'))).toEqual(['ci'])
    expect(run(push('refs/heads/hotfix/x', 'apps/vote/src/a.ts'))).toEqual([])
  })

  it('keeps push and pull_request path lists identical in each build workflow', () => {
    for (const id of BUILDS) {
      const on = workflowById(workflows, id).on as Record<string, { paths?: string[] }>
      expect(on.pull_request?.paths, id).toEqual(on.push?.paths)
      expect(on.push?.paths?.some((p) => p.startsWith('k8s-specifications')), id).toBe(false)
    }
  })
})

/** The repository paths a Dockerfile copies from its build context (the repository root), its build arguments expanded. */
function copiedPaths(dockerfile: string, args: Record<string, string>): string[] {
  let text = readFileSync(join(REPO_ROOT, dockerfile), 'utf8').replace(/\\\n/g, ' ')
  for (const [name, value] of Object.entries(args)) text = text.replaceAll(`\${${name}}`, value).replaceAll(new RegExp(`\\$${name}\\b`, 'g'), value)
  return text.split('\n').flatMap((line) => {
    const words = line.trim().split(/\s+/)
    if (!/^(COPY|ADD)$/i.test(words[0] ?? '') || words.some((w) => w.startsWith('--from='))) return []
    return words.slice(1, -1).filter((w) => !w.startsWith('--'))
  })
}

describe('path filters follow the Dockerfile', () => {
  it.each(BUILDS)('a change to anything the Dockerfile copies for %s builds that service', (service) => {
    // The Dockerfile and build arguments the caller hands the pipeline's build job.
    const { dockerfile, buildArgs } = buildInCaller(workflowById(workflows, service))
    expect(buildArgs.SERVICE).toBe(service)
    const sources = copiedPaths(dockerfile, buildArgs)
    expect(sources.filter((source) => source.includes('$'))).toEqual([])
    expect(sources.length).toBeGreaterThan(3)
    for (const source of [dockerfile, ...sources]) {
      const path = join(REPO_ROOT, source)
      // A copied directory changes when any file below it does.
      const changed = existsSync(path) && statSync(path).isDirectory() ? `${source}/changed.ts` : source
      expect(builds(push('refs/heads/develop', changed)), changed).toContain(service)
    }
  })
})
