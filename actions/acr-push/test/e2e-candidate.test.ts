// release-candidate end to end: the committed bundle, run as the runner runs it, against a real
// registry with basic auth (tags listed with skopeo through the step's temporary auth file) and a
// real git history with a release branch, a README-only commit after the rc, a later change of the
// service and a commit off to the side.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registryDigest, runAcrPush } from './helpers/action'
import { writeLayout } from '@aks-gitops/test-support/layout'
import { startRegistry, type TestRegistry } from '@aks-gitops/test-support/registry'

const USER = 'rc-reader'
const PASSWORD = 'pw-0c4e-rc-reader'
const BASIC = { auth: 'basic', username: USER, password: PASSWORD }
const BOTH = [{ os: 'linux', architecture: 'amd64' }, { os: 'linux', architecture: 'arm64' }]
const REVISION = 'org.opencontainers.image.revision'
const PATHS = 'apps/vote/**\napps/shared/**\npackage.json'

let registry: TestRegistry
let repo: string
const commits: Record<string, string> = {}
const digests: Record<string, string> = {}

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@localhost', ...args], { cwd: repo, encoding: 'utf8' }).trim()
}

function commit(name: string, file: string): string {
  mkdirSync(dirname(join(repo, file)), { recursive: true })
  writeFileSync(join(repo, file), `${name}\n`)
  git('add', file)
  git('commit', '-q', '-m', name)
  commits[name] = git('rev-parse', 'HEAD')
  return commits[name]
}

/** Publishes an image built "from" a commit, its revision in the index annotation or only in the config label. */
async function publish(tag: string, revision: string, where: 'annotation' | 'label' = 'annotation'): Promise<string> {
  const layout = writeLayout(mkdtempSync(join(tmpdir(), 'rc-layout-')), {
    platforms: BOTH,
    ...(where === 'annotation' ? { indexAnnotations: { [REVISION]: revision } } : { labels: { [REVISION]: revision } }),
  })
  const run = await runAcrPush({ source: layout.dir, destination: `${registry.host}/vote`, tags: tag, ...BASIC })
  expect(run.errors).toEqual([])
  digests[tag] = layout.indexDigest
  return layout.indexDigest
}

function candidate(version: string, commitSha: string, extra: Record<string, string> = {}) {
  return runAcrPush({
    source: `${registry.host}/vote`,
    'release-candidate': version,
    'release-git-directory': repo,
    'release-commit': commitSha,
    'release-paths': PATHS,
    'verify-only': 'true',
    ...BASIC,
    ...extra,
  })
}

beforeAll(async () => {
  registry = await startRegistry({ user: USER, password: PASSWORD })
  repo = mkdtempSync(join(tmpdir(), 'rc-repo-'))
  git('init', '-q', '-b', 'main')
  commit('base', 'apps/vote/app.ts')
  git('switch', '-q', '-c', 'release/vote/v1.0.0')
  commit('rc1', 'apps/vote/app.ts')
  commit('readme', 'README.md')
  git('switch', '-q', '-c', 'side', commits.base ?? '')
  commit('side', 'apps/vote/side.ts')
  git('switch', '-q', 'release/vote/v1.0.0')
  git('switch', '-q', '-c', 'later')
  commit('later', 'apps/shared/db.ts')
  // Only documentation of the service changed after rc1: excluded by `!apps/vote/**/*.md`.
  git('switch', '-q', '-c', 'docs', commits.readme ?? '')
  commit('docs', 'apps/vote/docs/notes.md')
  await publish('1.0.0-rc.1', commits.rc1 ?? '')
  // Newer, but built from a commit the tag does not contain, and its revision only in the config.
  await publish('1.0.0-rc.2', commits.side ?? '', 'label')
  // A develop build of rc1's commit: sha-<7> points at another digest than the rc.
  await publish(`sha-${(commits.rc1 ?? '').slice(0, 7)}`, commits.rc1 ?? '')
}, 120_000)
afterAll(async () => registry?.stop())

describe('release-candidate', () => {
  it('promotes the rc for a README-only commit after it, skipping a newer rc from another line of history', async () => {
    const run = await candidate('1.0.0', commits.readme ?? '')
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({
      'candidate-tag': '1.0.0-rc.1',
      'candidate-origin': 'registry',
      'candidate-revision': commits.rc1,
      digest: digests['1.0.0-rc.1'],
      image: `${registry.host}/vote@${digests['1.0.0-rc.1']}`,
      platforms: 'linux/amd64,linux/arm64',
    })
    expect(run.stdout).toMatch(/1\.0\.0-rc\.2 was built from [0-9a-f]{12}, which is not an ancestor/)
    expect(run.summary).toMatch(/Release candidate <code>1\.0\.0-rc\.1<\/code> \(the newest candidate in the staging registry\)/)
    expect(digests['1.0.0-rc.1']).not.toBe(digests[`sha-${(commits.rc1 ?? '').slice(0, 7)}`])
  }, 60_000)

  it('prefers the digest the staging manifests pin when it is an rc of the version (files or globs)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rc-manifest-'))
    writeFileSync(join(dir, 'a-result.yaml'), `images:\n  - name: result\n    newName: ${registry.host}/result\n    newTag: 1.0.0-rc.9\n    digest: ${digests['1.0.0-rc.2']}\n`)
    writeFileSync(join(dir, 'kustomization.yaml'), `images:\n  - name: vote\n    newName: ${registry.host}/vote\n    newTag: 1.0.0-rc.1\n    digest: ${digests['1.0.0-rc.1']}\n`)
    const run = await candidate('1.0.0', commits.readme ?? '', { 'release-staging-manifest': `${dir}/*.yaml` })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ 'candidate-tag': '1.0.0-rc.1', 'candidate-origin': 'staging-manifest', digest: digests['1.0.0-rc.1'] })
    // Only the pin was examined: rc.2 was never read.
    expect(run.stdout).not.toMatch(/rc\.2/)
  }, 60_000)

  it('copies exactly the candidate to production without verify-only', async () => {
    const run = await candidate('1.0.0', commits.readme ?? '', { 'verify-only': 'false', destination: `${registry.host}/prod/vote`, tags: '1.0.0', 'immutable-tags': 'true' })
    expect(run.errors).toEqual([])
    expect(await registryDigest(registry.host, 'prod/vote', '1.0.0', [USER, PASSWORD])).toBe(digests['1.0.0-rc.1'])
    // The candidate is read once, when it is examined; the copy reuses what that read found.
    expect(run.stdout).toMatch(/::group::Examine 1\.0\.0-rc\.1/)
    expect(run.stdout).not.toMatch(/::group::Read /)
  }, 60_000)

  it('refuses when the service paths changed after every rc, naming the commit and files', async () => {
    const run = await candidate('1.0.0', commits.later ?? '')
    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toMatch(/No release candidate of 1\.0\.0 in 127\.0\.0\.1:\d+\/vote can be promoted to the tagged commit/)
    expect(run.errors.join('\n')).toContain(`1.0.0-rc.1 was built from ${(commits.rc1 ?? '').slice(0, 12)}, but the service's paths changed after it: commit ${(commits.later ?? '').slice(0, 12)} changed apps/shared/db.ts`)
    expect(run.errors.join('\n')).toMatch(/1\.0\.0-rc\.2 was built from .* not an ancestor/)
    expect(run.outputs['candidate-tag']).toBeUndefined()
  }, 60_000)

  // The callers' on.push.paths syntax: `!` excludes, `*` stays within one directory
  // (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet).
  it('honours exclusions in release-paths as on.push.paths does', async () => {
    const excluded = await candidate('1.0.0', commits.docs ?? '', { 'release-paths': `${PATHS}\n!apps/vote/**/*.md` })
    expect(excluded.errors).toEqual([])
    expect(excluded.outputs).toMatchObject({ 'candidate-tag': '1.0.0-rc.1', digest: digests['1.0.0-rc.1'] })
    const included = await candidate('1.0.0', commits.docs ?? '')
    expect(included.exitCode).toBe(1)
    expect(included.errors.join('\n')).toContain(`commit ${(commits.docs ?? '').slice(0, 12)} changed apps/vote/docs/notes.md`)
    // `*` does not cross a directory: apps/vote/*.md leaves apps/vote/docs/notes.md in.
    const shallow = await candidate('1.0.0', commits.docs ?? '', { 'release-paths': `${PATHS}\n!apps/vote/*.md` })
    expect(shallow.exitCode).toBe(1)
  }, 60_000)

  it.runIf(process.getuid?.() === 0)('reads a tagged checkout another uid owns (a container: job) without changing its trust for other git calls', async () => {
    const owned = join(mkdtempSync(join(tmpdir(), 'rc-owned-')), 'checkout')
    execFileSync('cp', ['-a', repo, owned])
    execFileSync('chown', ['-R', '4242:4242', owned])
    const status = () => execFileSync('git', ['status'], { cwd: owned, stdio: 'pipe' })
    expect(status).toThrow(/detected dubious ownership/)
    const run = await candidate('1.0.0', commits.readme ?? '', { 'release-git-directory': owned })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ 'candidate-tag': '1.0.0-rc.1', 'candidate-revision': commits.rc1, digest: digests['1.0.0-rc.1'] })
    expect(status).toThrow(/detected dubious ownership/)
  }, 60_000)

  it('says so when no rc of the version exists', async () => {
    const run = await candidate('2.0.0', commits.readme ?? '')
    expect(run.exitCode).toBe(1)
    expect(run.errors.join('\n')).toMatch(/No release candidate of 2\.0\.0 in .*\/vote: no tag 2\.0\.0-rc\.<N> exists there .*push to the release branch \(release\/<service>\/v2\.0\.0\)/)
  }, 60_000)

  it.each([
    [{ 'release-candidate': 'v1.0.0' }, /Input "release-candidate": "v1\.0\.0" is not a release version \(expected X\.Y\.Z/],
    [{ source: '127.0.0.1:1/vote:1.0.0-rc.1' }, /Input "source": .* must name a repository only.*with release-candidate, give the staging repository/],
    [{ 'release-paths': '' }, /Input "release-paths": is required with release-candidate/],
    [{ 'release-paths': '../x' }, /Input "release-paths": "\.\.\/x" is not a path pattern relative to the repository root/],
    [{ 'release-paths': 'apps/vote/**\n!' }, /Input "release-paths": "!" is not a path pattern relative to the repository root/],
    [{ 'release-paths': '!apps/vote/*.md' }, /Input "release-paths": has only exclusions/],
    [{ 'release-commit': 'f'.repeat(40) }, /release-commit "f{40}" is not a commit of the checkout/],
    [{ 'release-staging-manifest': '/nonexistent/*.yaml' }, /release-staging-manifest: "\/nonexistent\/\*\.yaml" matches no file/],
  ])('fails on bad input %j before signing in', async (bad, message) => {
    const run = await runAcrPush({
      source: '127.0.0.1:1/vote',
      'release-candidate': '1.0.0',
      'release-git-directory': repo,
      'release-commit': commits.readme ?? '',
      'release-paths': PATHS,
      'verify-only': 'true',
      auth: 'basic',
      username: USER,
      password: PASSWORD,
      ...bad,
    })
    expect(run.exitCode).toBe(1)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(message)
    // Port 1 would refuse a connection: the error is the input's, so nothing was contacted.
    expect(run.stdout).not.toMatch(/docker login|Sign in/)
  }, 60_000)
})
