// Runs the committed dist/index.js as the runner does against real git: a bare remote on disk.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { skipMarker, TRAILER } from '../src/message'
import { deployment, digestOf, git, kustomization, preReceiveHook, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const VOTE = 'k8s-specifications/base/vote-deployment.yaml'
const RESULT = 'k8s-specifications/base/result-deployment.yaml'
const OVERLAY = 'k8s-specifications/overlays/staging/kustomization.yaml'
const seed = { [VOTE]: deployment('vote'), [RESULT]: deployment('result'), [OVERLAY]: kustomization(['vote', 'result']) }

let box: Sandbox | undefined
afterEach(() => box?.remove())

describe('bump, commit and push', () => {
  it('edits only the matched image, pushes one commit touching only that file, and reports it', async () => {
    box = sandbox(seed)
    const work = box.clone()
    const before = box.remoteHead()
    const digest = digestOf('vote-1.2.3')
    const run = await runBump(work, { files: 'k8s-specifications/base/*.yaml', image: `${REGISTRY}/vote`, tag: '1.2.3-rc.4', digest, environment: 'staging' })
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)

    const head = box.remoteHead()
    expect(run.outputs).toMatchObject({ changed: 'true', 'commit-sha': head, attempts: '1', 'pull-request-url': '' })
    expect(JSON.parse(run.outputs['updated-files'] ?? '')).toEqual([VOTE])
    expect(JSON.parse(run.outputs['previous-images'] ?? '')).toEqual([
      {
        file: VOTE,
        location: 'Deployment/vote containers[vote]',
        target: 'vote',
        previous: `${REGISTRY}/vote:1.0.0`,
        updated: `${REGISTRY}/vote:1.2.3-rc.4@${digest}`,
      },
    ])
    expect(git(box.remote, 'rev-parse', `${head}^`)).toBe(before)
    expect(git(box.remote, 'diff-tree', '--no-commit-id', '--name-only', '-r', head)).toBe(VOTE)
    expect(box.remoteFile(VOTE)).toBe(seed[VOTE].replace(`vote:1.0.0  # pinned`, `vote:1.2.3-rc.4@${digest}  # pinned`))
    expect(box.remoteFile(RESULT)).toBe(seed[RESULT])

    // The message says what changed, carries the trailer, and has no skip marker (validation must run).
    const message = git(box.remote, 'log', '-1', '--format=%B', head)
    expect(message.split('\n')[0]).toBe(`deploy(vote): ${REGISTRY}/vote 1.2.3-rc.4@${digest.slice(0, 19)}… → staging`)
    expect(message).toContain(TRAILER)
    expect(skipMarker(message)).toBeUndefined()
    expect(git(box.remote, 'log', '-1', '--format=%an <%ae>', head)).toBe('github-actions[bot] <41898282+github-actions[bot]@users.noreply.github.com>')

    // The checked-out branch follows, so later steps see the new manifests.
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head)
    expect(git(work, 'status', '--porcelain')).toBe('')
    expect(run.summary).toContain('| file | container | old image | new image |')
    expect(run.summary).toContain(`| ${VOTE} | Deployment/vote containers[vote] | \`${REGISTRY}/vote:1.0.0\` | \`${REGISTRY}/vote:1.2.3-rc.4@${digest}\` |`)
  })

  it('is a no-op the second time: changed=false and no commit', async () => {
    box = sandbox(seed)
    const work = box.clone()
    const inputs = { files: OVERLAY, image: `${REGISTRY}/result`, tag: '2.0.0' }
    const first = await runBump(work, inputs)
    expect(first.exitCode).toBe(0)
    const head = box.remoteHead()
    const second = await runBump(work, inputs)
    expect(second.exitCode).toBe(0)
    expect(second.outputs).toMatchObject({ changed: 'false', 'commit-sha': '', 'updated-files': '[]' })
    expect(box.remoteHead()).toBe(head)
    expect(second.summary).toContain('already up to date')
  })

  it('finds nothing to change when a re-run of one commit brings the same tag and digest (a fresh clone, as a new runner has)', async () => {
    // Same commit, same image (issue #14): the rebuilt index has the digest already deployed.
    box = sandbox(seed)
    const inputs = { files: OVERLAY, image: `${REGISTRY}/result`, tag: 'sha-0a1b2c3', digest: digestOf('result-sha-0a1b2c3'), environment: 'staging' }
    const first = await runBump(box.clone(), inputs)
    expect(first.outputs.changed).toBe('true')
    const head = box.remoteHead()
    const rerun = await runBump(box.clone(), inputs)
    expect(rerun.exitCode).toBe(0)
    expect(rerun.outputs).toMatchObject({ changed: 'false', 'commit-sha': '', 'updated-files': '[]' })
    expect(box.remoteHead()).toBe(head)
  })

  it('re-applies the edit on the new tip when the remote moves during the push (non-fast-forward), losing nothing', async () => {
    box = sandbox(seed)
    // Another pipeline's commit, already in the remote's object store but not yet on main.
    const other = box.clone('other')
    execFileSync('sh', ['-c', `sed -i 's/result:1.0.0/result:9.9.9/' ${RESULT}`], { cwd: other })
    git(other, '-c', 'user.name=o', '-c', 'user.email=o@example.com', 'commit', '--quiet', '-am', 'other pipeline')
    git(other, 'push', '--quiet', 'origin', 'HEAD:refs/heads/concurrent')
    // On the first push, the hook moves main to that commit, as if the other pipeline landed first.
    preReceiveHook(
      box.remote,
      [
        'if [ ! -f "$GIT_DIR/raced" ]; then',
        '  touch "$GIT_DIR/raced"',
        '  env -u GIT_QUARANTINE_PATH -u GIT_OBJECT_DIRECTORY -u GIT_ALTERNATE_OBJECT_DIRECTORIES git update-ref refs/heads/main refs/heads/concurrent',
        'fi',
        'exit 0',
      ].join('\n'),
    )
    const work = box.clone()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.4' })
    expect(run.errors).toEqual([])
    expect(run.outputs.attempts).toBe('2')
    expect(run.stdout).toContain('The remote branch moved during attempt 1')
    expect(box.remoteFile(RESULT)).toContain('result:9.9.9')
    expect(box.remoteFile(VOTE)).toContain('vote:1.2.4')
    expect(git(box.remote, 'log', '--format=%s', '-3', 'main').split('\n')).toEqual(['deploy(vote): myacr.azurecr.io/vote 1.2.4 in ' + VOTE, 'other pipeline', 'seed manifests'])
  })

  it('commits to the named branch from a detached HEAD (tag builds), fetching it first', async () => {
    box = sandbox(seed)
    const tagger = box.clone('tagger')
    git(tagger, 'tag', 'vote/v1.2.3')
    git(tagger, 'push', '--quiet', 'origin', 'vote/v1.2.3')
    // main moves on after the tag.
    execFileSync('sh', ['-c', `echo '# later' >> ${RESULT}`], { cwd: tagger })
    git(tagger, '-c', 'user.name=o', '-c', 'user.email=o@example.com', 'commit', '--quiet', '-am', 'later on main')
    git(tagger, 'push', '--quiet', 'origin', 'main')
    const work = box.clone()
    git(work, 'checkout', '--quiet', '--detach', 'vote/v1.2.3')
    const inputs = { files: OVERLAY, image: `${REGISTRY}/vote`, tag: '1.2.3', digest: digestOf('prod'), environment: 'production' }

    const refused = await runBump(work, inputs)
    expect(refused.exitCode).not.toBe(0)
    expect(refused.errors[0]).toMatch(/^Input "branch": is required when HEAD is detached/)

    const run = await runBump(work, { ...inputs, branch: 'main' })
    expect(run.errors).toEqual([])
    expect(git(box.remote, 'log', '--format=%s', '-2', 'main').split('\n')[1]).toBe('later on main')
    expect(box.remoteFile(OVERLAY)).toContain(`  - name: ${REGISTRY}/vote\n    newTag: "1.2.3"\n    digest: ${digestOf('prod')}\n`)
    expect(git(work, 'rev-parse', 'HEAD')).toBe(git(work, 'rev-parse', 'vote/v1.2.3^{commit}'))
  })

  it('edits the work tree only with commit: false, and plans only with dry-run', async () => {
    box = sandbox(seed)
    const work = box.clone()
    const head = box.remoteHead()
    const dry = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '3.0.0', 'dry-run': 'true' })
    expect(dry.outputs).toMatchObject({ changed: 'true', 'commit-sha': '' })
    expect(git(work, 'status', '--porcelain')).toBe('')
    const local = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '3.0.0', commit: 'false' })
    expect(local.outputs.changed).toBe('true')
    expect(readFileSync(join(work, VOTE), 'utf8')).toContain('vote:3.0.0  # pinned')
    expect(git(work, 'status', '--porcelain')).toBe(`M ${VOTE}`) // (trimmed: ' M' is modified in the work tree)
    expect(box.remoteHead()).toBe(head)
  })

  it('works in a shallow clone (actions/checkout fetches depth 1) after the branch moved on', async () => {
    box = sandbox(seed)
    const shallow = join(box.dir, 'shallow')
    git(box.dir, 'clone', '--quiet', '--depth', '1', `file://${box.remote}`, shallow)
    const other = box.clone('other')
    execFileSync('sh', ['-c', `echo '# later' >> ${RESULT}`], { cwd: other })
    git(other, '-c', 'user.name=o', '-c', 'user.email=o@example.com', 'commit', '--quiet', '-am', 'later on main')
    git(other, 'push', '--quiet', 'origin', 'main')
    expect(git(shallow, 'rev-parse', '--is-shallow-repository')).toBe('true')
    const run = await runBump(shallow, { files: VOTE, image: `${REGISTRY}/vote`, tag: '5.0.0' })
    expect(run.errors).toEqual([])
    expect(git(box.remote, 'log', '--format=%s', '-2', 'main').split('\n')[1]).toBe('later on main')
    expect(box.remoteFile(VOTE)).toContain('vote:5.0.0  # pinned')
    expect(box.remoteFile(RESULT)).toContain('# later')
  })

  it('works from a working-directory below the top level', async () => {
    box = sandbox(seed)
    const work = box.clone()
    const run = await runBump(work, { 'working-directory': 'k8s-specifications', files: 'base/vote-deployment.yaml', image: `${REGISTRY}/vote`, tag: '4.0.0' })
    expect(run.errors).toEqual([])
    expect(JSON.parse(run.outputs['updated-files'] ?? '')).toEqual(['base/vote-deployment.yaml'])
    expect(git(box.remote, 'diff-tree', '--no-commit-id', '--name-only', '-r', 'main')).toBe(VOTE)
    expect(box.remoteFile(VOTE)).toContain('vote:4.0.0  # pinned')
  })

  it('commits locally without pushing when push: false', async () => {
    box = sandbox(seed)
    const work = box.clone()
    const head = box.remoteHead()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '3.1.0', push: 'false' })
    expect(run.errors).toEqual([])
    expect(git(work, 'rev-parse', 'HEAD')).toBe(run.outputs['commit-sha'])
    expect(git(work, 'rev-parse', 'HEAD^')).toBe(head)
    expect(git(work, 'status', '--porcelain')).toBe('')
    expect(box.remoteHead()).toBe(head)
  })
})

describe('push rejections that must not be retried', () => {
  it.each([
    ['a protected branch (GH006)', 'echo "remote: error: GH006: Protected branch update failed for refs/heads/main." >&2', /a branch protection rule or ruleset refuses direct pushes; use pull-request mode/],
    ['a ruleset (GH013)', 'echo "error: GH013: Repository rule violations found for refs/heads/main." >&2', /a branch protection rule or ruleset refuses direct pushes; use pull-request mode/],
    ['another pre-receive hook', 'echo "manifests are frozen" >&2', /a server-side hook declined the push/],
  ])('fails at once on %s, with nothing pushed', async (_what, message, why) => {
    box = sandbox(seed)
    preReceiveHook(box.remote, `echo x >> "$GIT_DIR/hook-calls"\n${message}\nexit 1`)
    const work = box.clone()
    const head = box.remoteHead()
    const run = await runBump(work, { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', 'max-attempts': '5' })
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(why)
    expect(readFileSync(join(box.remote, 'hook-calls'), 'utf8')).toBe('x\n')
    expect(box.remoteHead()).toBe(head)
    expect(git(work, 'rev-parse', 'HEAD')).toBe(head)
    expect(git(work, 'status', '--porcelain')).toBe('')
  })
})
