// Pull-request mode with no open pull request rebuilds its branch on the base and moves it by force.
// Two runs that both found no pull request (or a run and someone's push) must not drop each other's
// commit unseen: the forced push carries a lease on the tip the attempt read (git push
// --force-with-lease=<ref>:<expect>), so a branch moved meanwhile is refused "(stale info)" and the
// next attempt looks again: it finds the other run's pull request and stacks on it. Real repositories.
// commit-method api has the same lease both ways: the attempt that found no branch creates it
// (POST git/refs, 422 "Reference already exists" when another run did first,
// https://docs.github.com/en/rest/git/refs#create-a-reference), and one that found a leftover moves
// it with the GraphQL mutation updateRefs, beforeOid = the tip it read, force: true (the REST
// update's force takes no expected value; https://docs.github.com/en/graphql/reference/mutations#updaterefs).
// The Git Data stand-in (helpers/fake-git-data.ts) answers as those pages document.
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { Git, PushRejectedError } from '@aks-gitops/toolkit'
import { apiStore } from '../src/git-data'
import { gitStore } from '../src/publish'
import { github } from '../src/pull-request'
import { pullRequestBranchStore } from '../src/pull-request-branch'
import { startFakeGitHub } from './helpers/fake-github'
import { deployment, git, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const VOTE = 'k8s/vote-deployment.yaml'
const BRANCH = 'bump-manifest/main/vote-staging'
const author = { name: 'bump', email: 'bump@example.com' }

let box: Sandbox | undefined
afterEach(() => {
  box?.remove()
  box = undefined
})

/** Another run's commit on the pull request branch, built on main's tip, as its push leaves it. */
function otherRunPushes(remote: string, message: string): string {
  const identity = { GIT_AUTHOR_NAME: 'o', GIT_AUTHOR_EMAIL: 'o@example.com', GIT_COMMITTER_NAME: 'o', GIT_COMMITTER_EMAIL: 'o@example.com' }
  const commit = execFileSync('git', ['commit-tree', 'refs/heads/main^{tree}', '-p', 'refs/heads/main', '-m', message], { cwd: remote, encoding: 'utf8', env: { ...process.env, ...identity } }).trim()
  git(remote, 'update-ref', `refs/heads/${BRANCH}`, commit)
  return commit
}

function stores(work: string) {
  const gitHandle = new Git(work, { quiet: true })
  const common = { git: gitHandle, remote: 'origin', pushBranch: BRANCH, push: true, author }
  return {
    rebuilt: gitStore({ ...common, branch: 'main', force: true }),
    stacked: gitStore({ ...common, branch: BRANCH, force: false }),
  }
}

const edit = (tag: string) => [{ path: VOTE, content: deployment('vote', tag) }]

describe("pull-request mode's forced push", () => {
  it("replaces a closed pull request's leftover branch that it read", async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    const leftover = otherRunPushes(box.remote, 'a closed pull request')
    const { rebuilt } = stores(box.clone())
    const base = await rebuilt.base()
    const commit = await rebuilt.commit(base, edit('1.2.3'), 'bump\n')
    await rebuilt.land(commit)
    expect(box.remoteHead(BRANCH)).toBe(commit)
    expect(() => git(box!.remote, 'merge-base', '--is-ancestor', leftover, BRANCH)).toThrow()
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(box.remoteHead('main'))
  })

  it.each([
    ['the branch did not exist', false],
    ['the branch held a leftover', true],
  ])('refuses to replace a commit pushed after the attempt read the branch (%s): retryable, the other commit stays', async (_, leftover) => {
    box = sandbox({ [VOTE]: deployment('vote') })
    if (leftover) otherRunPushes(box.remote, 'a closed pull request')
    const { rebuilt } = stores(box.clone())
    const base = await rebuilt.base()
    const other = otherRunPushes(box.remote, 'the other run')
    const commit = await rebuilt.commit(base, edit('1.2.3'), 'bump\n')
    const refused = await rebuilt.land(commit).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(PushRejectedError)
    expect((refused as PushRejectedError).kind).toBe('non-fast-forward')
    expect((refused as PushRejectedError).retryable).toBe(true)
    expect((refused as Error).message).toMatch(/stale info/)
    expect(box.remoteHead(BRANCH)).toBe(other)
  })

  it("stacks on the other run's commit at the next attempt, once its pull request is open", async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    const { rebuilt, stacked } = stores(box.clone())
    const pulls: { number: number }[] = []
    const store = pullRequestBranchStore({ findOpen: async () => pulls[0], stacked, rebuilt })
    // Attempt 1: no pull request yet; the other run pushes and opens its pull request meanwhile.
    const first = await store.base()
    const other = otherRunPushes(box.remote, 'the other run')
    pulls.push({ number: 1 })
    await expect(store.land(await store.commit(first, edit('1.2.3'), 'bump\n'))).rejects.toMatchObject({ kind: 'non-fast-forward' })
    // Attempt 2: the pull request is open, so the bump goes on top of the other run's commit.
    const second = await store.base()
    expect(second).toBe(other)
    const commit = await store.commit(second, edit('1.2.3'), 'bump\n')
    await store.land(commit)
    expect(box.remoteHead(BRANCH)).toBe(commit)
    expect(git(box.remote, 'rev-parse', `${BRANCH}^`)).toBe(other)
  })
})

describe("commit-method api: pull-request mode's branch", () => {
  const TOKEN = 'ghs_LeaseT0ken'

  async function apiStores() {
    box = sandbox({ [VOTE]: deployment('vote') })
    const api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote })
    const octokit = github(TOKEN, api.url)
    const common = { octokit, repository: 'octo/gitops', landBranch: BRANCH }
    return { api, rebuilt: apiStore({ ...common, branch: 'main', force: true }) }
  }

  it('is created when the attempt found none, and a branch another run created meanwhile is refused, retryable', async () => {
    const { api, rebuilt } = await apiStores()
    try {
      const base = await rebuilt.base()
      const other = otherRunPushes(box!.remote, 'the other run')
      const refused = await rebuilt.land(await rebuilt.commit(base, edit('1.2.3'), 'bump\n')).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(PushRejectedError)
      expect((refused as PushRejectedError).kind).toBe('non-fast-forward')
      expect((refused as Error).message).toContain('HTTP 422: Reference already exists')
      expect(box!.remoteHead(BRANCH)).toBe(other)
      // The next attempt finds the branch and moves it by force (no open pull request: a leftover to it).
      const again = await rebuilt.base()
      const commit = await rebuilt.commit(again, edit('1.2.3'), 'bump\n')
      await rebuilt.land(commit)
      expect(box!.remoteHead(BRANCH)).toBe(commit)
      expect(api.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path.replace(/^\/repos\/octo\/gitops/, '')}`)).toEqual([
        'POST /git/trees',
        'POST /git/commits',
        'POST /git/refs',
        'POST /git/trees',
        'POST /git/commits',
        'POST /graphql',
      ])
      expect(api.requests.at(-1)?.body.variables).toEqual({
        repositoryId: 'R_kgDOgitops',
        refUpdates: [{ name: `refs/heads/${BRANCH}`, beforeOid: other, afterOid: commit, force: true }],
      })
    } finally {
      await api.close()
    }
  })

  it('refuses to replace a commit another run landed on the leftover branch after the read: retryable, the other commit stays', async () => {
    const { api, rebuilt } = await apiStores()
    try {
      const stale = otherRunPushes(box!.remote, 'a closed pull request')
      const base = await rebuilt.base()
      const other = otherRunPushes(box!.remote, 'the other run')
      const refused = await rebuilt.land(await rebuilt.commit(base, edit('1.2.3'), 'bump\n')).catch((error: unknown) => error)
      expect(refused).toBeInstanceOf(PushRejectedError)
      expect((refused as PushRejectedError).kind).toBe('non-fast-forward')
      expect((refused as PushRejectedError).retryable).toBe(true)
      expect((refused as Error).message).toContain(`the branch now points at ${other}, not ${stale}`)
      expect(box!.remoteHead(BRANCH)).toBe(other)
      expect(api.requests.some((r) => r.method === 'PATCH')).toBe(false)
    } finally {
      await api.close()
    }
  })

  it('reports a ruleset that refuses the forced update as such, not as a moved branch', async () => {
    box = sandbox({ [VOTE]: deployment('vote') })
    const api = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote, rules: { [BRANCH]: ['pull_request'] } })
    try {
      const leftover = otherRunPushes(box.remote, 'a closed pull request')
      const rebuilt = apiStore({ octokit: github(TOKEN, api.url), repository: 'octo/gitops', landBranch: BRANCH, branch: 'main', force: true })
      const refused = await rebuilt.land(await rebuilt.commit(await rebuilt.base(), edit('1.2.3'), 'bump\n')).catch((error: unknown) => error)
      expect((refused as PushRejectedError).kind).toBe('protected-branch')
      expect((refused as PushRejectedError).retryable).toBe(false)
      expect(box.remoteHead(BRANCH)).toBe(leftover)
    } finally {
      await api.close()
    }
  })
})
