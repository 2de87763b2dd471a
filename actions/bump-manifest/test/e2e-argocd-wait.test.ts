// The wait for Argo CD's commit status, run through the committed bundle: the manifest commit is
// pushed to a REAL bare repository, and a local GitHub (helpers/fake-statuses.ts, the documented
// commit status endpoints over that repository) answers the polls, while the test plays Argo CD's
// notifications engine by creating statuses through POST /repos/{owner}/{repo}/statuses/{sha},
// shaped as k8s-specifications/argocd/notifications-cm.yaml's templates shape them.
import { describe, expect, it, onTestFinished } from 'vitest'
import { parseReceipt } from '@aks-gitops/toolkit'
import { startFakeGitHub } from './helpers/fake-github'
import { startFakeStatuses, type FakeStatuses, type FakeStatusesOptions } from './helpers/fake-statuses'
import { deployment, git, REGISTRY, runBump, sandbox, type Sandbox } from '@aks-gitops/test-support/repo'

const TOKEN = 'ghs_StatusReaderT0kenForTheWaitTests'
const VOTE = 'k8s/vote-deployment.yaml'
const APP = 'voting-app-staging'
const CONTEXT = `continuous-delivery/${APP}`
const ARGO_URL = `https://argocd.example.com/applications/argocd/${APP}`
const OTHER = '89e6c98d92887913cadf06b2adb97f26cde4849b'

/** A status as the templates write it: "revision <sha>: <Application> ...", context continuous-delivery/<Application>. */
const argo = (revision: string, state: string, text: string) => ({ state, context: CONTEXT, description: `revision ${revision}: ${APP} ${text}`, target_url: ARGO_URL })

type Scenario = Pick<FakeStatusesOptions, 'onList' | 'failList'>

/** A remote with the vote deployment and GitHub's status endpoints over it (the scenario may land commits on it), removed when the test finishes. */
async function setUp(scenario: Scenario | ((box: Sandbox) => Scenario)): Promise<{ box: Sandbox; api: FakeStatuses; work: string }> {
  const box = sandbox({ [VOTE]: deployment('vote') })
  const api = await startFakeStatuses({ owner: 'octo', repo: 'gitops', token: TOKEN, bare: box.remote, ...(typeof scenario === 'function' ? scenario(box) : scenario) })
  onTestFinished(async () => {
    await api.close()
    box.remove()
  })
  return { box, api, work: box.clone() }
}

const bump = (work: string, fake: FakeStatuses, inputs: Record<string, string> = {}) =>
  runBump(
    work,
    { files: VOTE, image: `${REGISTRY}/vote`, tag: '1.2.3', environment: 'staging', 'wait-for-application': 'voting-app-{environment}', 'wait-interval': '1', 'wait-timeout': '20', 'status-token': TOKEN, ...inputs },
    { GITHUB_API_URL: fake.url },
  )

/** The `receipt` output (JSON), as callers read it. */
const receiptOf = (run: { outputs: Record<string, string> }) => parseReceipt(run.outputs.receipt ?? '')

/** The receipt's sync status row in the job summary. */
const syncRow = (summary: string) => summary.split('\n').find((line) => line.startsWith('| sync status |'))

const ARGO_LINK = `([Argo CD](${ARGO_URL}))`

/** The reads of the commit's statuses, one per poll. */
const polls = (fake: FakeStatuses) => fake.requests.filter((r) => r.startsWith('GET ') && r.includes('/statuses?')).map((r) => r.replace(/[0-9a-f]{40}/, '<sha>'))

describe('wait-for-application', () => {
  it('succeeds once Argo CD reports success on the manifest commit, after several polls (pending first)', async () => {
    const { box, api, work } = await setUp({
      onList: async (n, sha, fake) => {
        if (n === 2) await fake.post(sha, { state: 'failure', context: 'ci/manifests', description: 'another check failed' })
        if (n === 3) await fake.post(sha, { ...argo(sha, 'pending', 'is Progressing') })
        if (n === 4) await fake.post(sha, argo(sha, 'success', 'is Synced and Healthy'))
      },
    })
    const run = await bump(work, api)
    expect(run.errors).toEqual([])
    expect(run.exitCode).toBe(0)
    const head = box.remoteHead()
    expect(run.outputs).toMatchObject({ changed: 'true', 'commit-sha': head, 'sync-status': 'success', 'sync-url': ARGO_URL })
    expect(Number(run.outputs['sync-seconds'])).toBeGreaterThanOrEqual(3)
    // Every poll asked for the manifest commit by its full SHA, through the documented list endpoint.
    expect(polls(api)).toEqual(Array(4).fill('GET /repos/octo/gitops/commits/<sha>/statuses?per_page=100'))
    expect(api.requests[0]).toContain(head)
    // Each undecided poll also asked whether the branch moved on past the commit: it had not.
    expect(api.requests.filter((r) => r.includes('/git/ref/'))).toEqual(Array(3).fill('GET /repos/octo/gitops/git/ref/heads/main'))
    expect(api.requests.filter((r) => r.includes('/compare/'))).toEqual([])
    expect(run.stdout).toContain('poll 1: no status "continuous-delivery/voting-app-staging" yet')
    expect(run.stdout).toContain(`poll 3: pending: "revision ${head}: voting-app-staging is Progressing"`)
    expect(syncRow(run.summary)).toMatch(new RegExp(`^\\| sync status \\| success after \\d+ s: Argo CD Application ${APP} at ${head.slice(0, 12)}: "revision ${head}: ${APP} is Synced and Healthy" \\(\\[Argo CD\\]\\(`))
    expect(receiptOf(run).sync).toMatchObject({ status: 'success', application: APP, revision: head, syncedRevision: head, url: ARGO_URL })
  }, 60_000)

  it('fails naming the Application, the revision and the state when Argo CD reports failure', async () => {
    const { box, api, work } = await setUp({ onList: async (n, sha, fake) => void (n === 2 && (await fake.post(sha, argo(sha, 'failure', 'is Degraded')))) })
    const run = await bump(work, api)
    expect(run.exitCode).not.toBe(0)
    const head = box.remoteHead()
    // The commit landed (Argo CD synced it); the step fails on Argo CD's word, with the outputs set.
    expect(run.outputs).toMatchObject({ changed: 'true', 'commit-sha': head, 'sync-status': 'failure', 'sync-url': ARGO_URL })
    expect(run.errors).toEqual([`Argo CD Application ${APP} at revision ${head}: failure: "revision ${head}: ${APP} is Degraded" (${ARGO_URL})`])
    // The receipt is still written, with the state Argo CD reached rather than the error text.
    const receipt = receiptOf(run)
    expect(receipt.commit).toBe(head)
    expect(receipt.sync).toEqual({ status: 'failure', seconds: Number(run.outputs['sync-seconds']), application: APP, revision: head, syncedRevision: head, url: ARGO_URL, detail: `"revision ${head}: ${APP} is Degraded"` })
    expect(Number(run.outputs['sync-seconds'])).toBeGreaterThanOrEqual(1)
    expect(syncRow(run.summary)).toBe(`| sync status | failure after ${run.outputs['sync-seconds']} s: Argo CD Application ${APP} at ${head.slice(0, 12)}: "revision ${head}: ${APP} is Degraded" ${ARGO_LINK} |`)
  }, 60_000)

  it('times out naming the Application, the revision and the last state seen', async () => {
    const { box, api, work } = await setUp({ onList: async (n, sha, fake) => void (n === 1 && (await fake.post(sha, argo(sha, 'pending', 'is Progressing')))) })
    const started = Date.now()
    const run = await bump(work, api, { 'wait-timeout': '3s' })
    expect(run.exitCode).not.toBe(0)
    const head = box.remoteHead()
    expect(run.outputs).toMatchObject({ 'sync-status': 'timeout', 'commit-sha': head })
    expect(Number(run.outputs['sync-seconds'])).toBe(3)
    expect(Date.now() - started).toBeLessThan(15_000)
    // Polls at 0, 1, 2 and 3 s: the last one at the deadline.
    expect(polls(api)).toHaveLength(4)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toMatch(new RegExp(`^Argo CD Application ${APP} at revision ${head}: timeout after 3 s waiting for Argo CD's commit status; the last status was pending: "revision ${head}: ${APP} is Progressing"`))
    // The receipt records the timeout, the seconds waited and the last status seen; no revision answered.
    expect(receiptOf(run).sync).toEqual({ status: 'timeout', seconds: 3, application: APP, revision: head, url: ARGO_URL, detail: `the last status was pending: "revision ${head}: ${APP} is Progressing"` })
    expect(syncRow(run.summary)).toBe(`| sync status | timeout after 3 s: Argo CD Application ${APP} at ${head.slice(0, 12)}: the last status was pending: "revision ${head}: ${APP} is Progressing" ${ARGO_LINK} |`)
  }, 60_000)

  it('ignores a status about another revision, even in its context on this commit, and waits for this revision\'s own', async () => {
    const { box, api, work } = await setUp({
      onList: async (n, sha, fake) => {
        // A Degraded of the previous rollout, posted on the new commit by a sender whose revisionPath is the target revision.
        if (n === 1) await fake.post(sha, argo(OTHER, 'failure', 'is Degraded'))
        if (n === 3) await fake.post(sha, argo(sha, 'success', 'is Synced and Healthy'))
      },
    })
    const run = await bump(work, api)
    expect(run.errors).toEqual([])
    expect(run.outputs['sync-status']).toBe('success')
    expect(polls(api)).toHaveLength(3)
    expect(run.stdout).toContain(`Ignoring a failure status "revision ${OTHER}: ${APP} is Degraded": it is about another revision`)
    expect(box.remoteHead()).toBe(run.outputs['commit-sha'])
  }, 60_000)

  it('times out, not fails, when the only statuses are about another revision, and says it ignored them', async () => {
    const { api, work } = await setUp({ onList: async (n, sha, fake) => void (n === 1 && (await fake.post(sha, argo(OTHER, 'failure', 'is Degraded')))) })
    const run = await bump(work, api, { 'wait-timeout': '2' })
    expect(run.outputs['sync-status']).toBe('timeout')
    expect(run.errors[0]).toContain('no status "continuous-delivery/voting-app-staging" was set on the commit; ignored 1 status about another revision')
    const commit = run.outputs['commit-sha']!
    expect(receiptOf(run).sync).toEqual({ status: 'timeout', seconds: 2, application: APP, revision: commit, detail: 'no status "continuous-delivery/voting-app-staging" was set on the commit; ignored 1 status about another revision' })
    expect(syncRow(run.summary)).toBe(`| sync status | timeout after 2 s: Argo CD Application ${APP} at ${commit.slice(0, 12)}: no status "continuous-delivery/voting-app-staging" was set on the commit; ignored 1 status about another revision |`)
  }, 60_000)

  it('takes the word on a newer revision of the branch that includes the commit: Argo CD synced that one instead', async () => {
    let later = ''
    const { api, work } = await setUp((box) => ({
      onList: async (n, sha, fake) => {
        // Another service's manifest commit landed on top before Argo CD polled: it syncs only that one.
        if (n === 1) later = box.land('deploy(result): another service', sha)
        else if (n === 4 && sha === later) await fake.post(later, argo(later, 'success', 'is Synced and Healthy'))
      },
    }))
    const run = await bump(work, api)
    expect(run.errors).toEqual([])
    const commit = run.outputs['commit-sha']!
    expect(later).not.toBe('')
    expect(run.outputs).toMatchObject({ 'sync-status': 'success', 'sync-revision': later })
    expect(run.stdout).toContain(`main moved on to ${later}, which includes this commit: success`)
    expect(syncRow(run.summary)).toMatch(new RegExp(`^\\| sync status \\| success after \\d+ s: Argo CD Application ${APP} at ${later.slice(0, 12)} \\(which includes ${commit.slice(0, 12)}\\): "revision ${later}: ${APP} is Synced and Healthy"`))
    // The ancestry was asked once for that head, through the compare endpoint.
    expect(api.requests.filter((r) => r.startsWith('GET /repos/octo/gitops/compare/'))).toEqual([`GET /repos/octo/gitops/compare/${commit}...${later}?per_page=1`])
  }, 60_000)

  it('fails naming the newer revision when that one, which includes the commit, is Degraded', async () => {
    let later = ''
    const { api, work } = await setUp((box) => ({
      onList: async (n, sha, fake) => {
        if (n === 1) {
          later = box.land('deploy(result): another service', sha)
          await fake.post(later, argo(later, 'failure', 'is Degraded'))
        }
      },
    }))
    const run = await bump(work, api)
    const commit = run.outputs['commit-sha']!
    expect(run.outputs).toMatchObject({ 'sync-status': 'failure', 'sync-revision': later })
    expect(run.errors).toEqual([`Argo CD Application ${APP} at revision ${later} (which includes ${commit}): failure: "revision ${later}: ${APP} is Degraded" (${ARGO_URL})`])
    expect(receiptOf(run).sync).toMatchObject({ status: 'failure', application: APP, revision: commit, syncedRevision: later, detail: `"revision ${later}: ${APP} is Degraded"` })
    expect(syncRow(run.summary)).toContain(`failure after ${run.outputs['sync-seconds']} s: Argo CD Application ${APP} at ${later.slice(0, 12)} (which includes ${commit.slice(0, 12)}): "revision ${later}: ${APP} is Degraded" ${ARGO_LINK} |`)
  }, 60_000)

  it('does not take the word of a branch head that does not include the commit (history rewritten)', async () => {
    const { api, work } = await setUp((box) => ({
      onList: async (n, sha, fake) => {
        if (n === 1) {
          // The branch is reset to a sibling of the commit: its success says nothing about this one.
          const sibling = box.land('a rewritten history', git(box.remote, 'rev-parse', `${sha}^`))
          await fake.post(sibling, argo(sibling, 'success', 'is Synced and Healthy'))
        }
      },
    }))
    const run = await bump(work, api, { 'wait-timeout': '2' })
    expect(run.outputs).toMatchObject({ 'sync-status': 'timeout', 'sync-revision': '' })
    expect(api.requests.filter((r) => r.includes('/compare/'))).toHaveLength(1)
  }, 60_000)

  it('with commit-method api, waits for the commit GitHub created, the one the ref update moved the branch to', async () => {
    const box = sandbox({ [VOTE]: deployment('vote') })
    const github = await startFakeGitHub('octo', 'gitops', TOKEN, { bare: box.remote })
    const api = await startFakeStatuses({
      owner: 'octo',
      repo: 'gitops',
      token: TOKEN,
      bare: box.remote,
      forward: github.url,
      onList: async (n, sha, fake) => void (n === 2 && (await fake.post(sha, argo(sha, 'success', 'is Synced and Healthy')))),
    })
    onTestFinished(async () => {
      await api.close()
      await github.close()
      box.remove()
    })
    const run = await bump(box.clone(), api, { 'commit-method': 'api', token: TOKEN, 'status-token': '' })
    expect(run.errors).toEqual([])
    const head = box.remoteHead()
    // The Git Data API made the commit (GitHub signs it) and the wait read that very SHA's statuses.
    expect(github.gitData?.signed.has(head)).toBe(true)
    expect(run.outputs).toMatchObject({ 'commit-sha': head, 'sync-status': 'success', 'sync-revision': head })
    expect(polls(api)).toHaveLength(2)
    expect(api.requests[0]).toBe(`GET /repos/octo/gitops/commits/${head}/statuses?per_page=100`)
  }, 60_000)

  it('polls through a server error (a transient failure) and a token that cannot read statuses fails at once', async () => {
    const flaky = await setUp({ failList: (n) => (n === 1 ? 502 : undefined), onList: async (n, sha, fake) => void (n === 2 && (await fake.post(sha, argo(sha, 'success', 'is Synced and Healthy')))) })
    const run = await bump(flaky.work, flaky.api)
    expect(run.outputs['sync-status']).toBe('success')
    expect(run.stdout).toMatch(/poll 1: GET \/repos\/octo\/gitops\/commits\/[0-9a-f]{40}\/statuses: 502 .*will poll again/)
    const denied = await setUp({})
    const refused = await bump(denied.work, denied.api, { 'status-token': 'ghs_NotTheRightToken' })
    expect(refused.exitCode).not.toBe(0)
    const commit = refused.outputs['commit-sha']!
    expect(refused.errors[0]).toMatch(new RegExp(`^Argo CD Application ${APP} at revision ${commit}: unknown: its commit statuses could not be read: GET /repos/octo/gitops/commits/${commit}/statuses: 401 Bad credentials \\(the token was refused\\)$`))
    expect(polls(denied.api)).toHaveLength(1)
    // The state is unknown, not Argo CD's failure: the outputs and the receipt say so, and what was read.
    expect(refused.outputs).toMatchObject({ 'sync-status': 'unknown', 'sync-seconds': '0', 'sync-url': '', 'sync-revision': '' })
    expect(receiptOf(refused).sync).toEqual({ status: 'unknown', seconds: 0, application: APP, revision: commit, detail: `its commit statuses could not be read: GET /repos/octo/gitops/commits/${commit}/statuses: 401 Bad credentials (the token was refused)` })
    expect(syncRow(refused.summary)).toBe(`| sync status | unknown after 0 s: Argo CD Application ${APP} at ${commit.slice(0, 12)}: its commit statuses could not be read: GET /repos/octo/gitops/commits/${commit}/statuses: 401 Bad credentials (the token was refused) |`)
  }, 60_000)

  it('does not wait when no commit landed (the image is already pinned): sync-status skipped', async () => {
    const { api, work } = await setUp({})
    const run = await bump(work, api, { tag: '1.0.0' })
    expect(run.errors).toEqual([])
    expect(run.outputs).toMatchObject({ changed: 'false', 'sync-status': 'skipped', 'sync-seconds': '0' })
    expect(api.requests).toEqual([])
  }, 60_000)

  it.each([
    ['a timeout that is not a duration', { 'wait-timeout': 'soon' }, 'Input "wait-timeout": "soon" is not a duration (expected whole seconds, or a number with s, m or h: 90, 90s, 15m, 1h)'],
    ['a timeout of more than 6 hours', { 'wait-timeout': '7h' }, 'Input "wait-timeout": 7h is out of range (expected 1 s to 21600 s)'],
    ['an interval longer than the timeout', { 'wait-timeout': '10', 'wait-interval': '1m' }, 'Input "wait-interval": 60 s is longer than wait-timeout (10 s)'],
    ['an Application name Kubernetes refuses', { 'wait-for-application': 'Voting_App' }, 'Input "wait-for-application": "Voting_App" is not an Argo CD Application name'],
    ['{environment} without an environment', { environment: '' }, 'Input "wait-for-application": "voting-app-{environment}" uses {environment} but no environment input was given'],
    ['pull-request mode', { 'pull-request': 'true', token: TOKEN }, 'Input "wait-for-application": cannot be used with pull-request'],
    ['a dry run', { 'dry-run': 'true' }, 'Input "wait-for-application": needs a pushed commit'],
    ['no token to read statuses', { 'status-token': '' }, 'Input "status-token": or token is required with wait-for-application'],
    ['a timeout without an Application', { 'wait-for-application': '', 'wait-timeout': '5m' }, 'Input "wait-timeout": needs wait-for-application'],
  ])('refuses %s before any side effect', async (_, inputs, message) => {
    const { box, api, work } = await setUp({})
    const head = box.remoteHead()
    const run = await bump(work, api, inputs)
    expect(run.exitCode).not.toBe(0)
    expect(run.errors).toHaveLength(1)
    expect(run.errors[0]).toContain(message)
    expect(box.remoteHead()).toBe(head)
    expect(api.requests).toEqual([])
    expect(run.outputs['sync-status']).toBeUndefined()
  }, 60_000)
})
