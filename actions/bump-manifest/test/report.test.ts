import { describe, expect, it } from 'vitest'
import { parseRepository } from '@aks-gitops/toolkit'
import { ManifestError, planFiles } from '../src/plan'
import { backoffUnit } from '../src/publish'
import { previousImages, summaryMarkdown, updatedFiles } from '../src/report'

const pod = (image: string) => `kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: app\n      image: ${image}\n`
const request = { image: parseRepository('a.io/app'), tag: '2' }

describe('planFiles', () => {
  it('lets globbed files match nothing as long as one file matches', () => {
    const plans = planFiles(
      [
        { path: 'a.yaml', text: pod('a.io/app:1'), glob: true },
        { path: 'b.yaml', text: pod('a.io/other:1'), glob: true },
      ],
      request,
    )
    expect(updatedFiles(plans)).toEqual(['a.yaml'])
    expect(() => planFiles([{ path: 'b.yaml', text: pod('a.io/other:1'), glob: true }], request)).toThrow(ManifestError)
    expect(() =>
      planFiles(
        [
          { path: 'a.yaml', text: pod('a.io/app:1') },
          { path: 'b.yaml', text: pod('a.io/other:1') },
        ],
        request,
      ),
    ).toThrow(/^b.yaml: nothing references a.io\/app/)
  })
})

describe('report', () => {
  const plans = planFiles(
    [
      { path: 'a.yaml', text: pod('a.io/app:1') },
      { path: 'c.yaml', text: pod('a.io/app:2') },
    ],
    request,
  )

  it('lists every matched reference and only the changed files', () => {
    expect(previousImages(plans)).toEqual([
      { file: 'a.yaml', location: 'Pod/p containers[app]', target: 'app', previous: 'a.io/app:1', updated: 'a.io/app:2' },
      { file: 'c.yaml', location: 'Pod/p containers[app]', target: 'app', previous: 'a.io/app:2', updated: 'a.io/app:2' },
    ])
    expect(updatedFiles(plans)).toEqual(['a.yaml'])
  })

  it('writes a table of file, container, old and new image, and what happened', () => {
    const markdown = summaryMarkdown(plans, { changed: true, dryRun: false, commit: 'abc123', branch: 'main', pushed: true, attempts: 2 })
    expect(markdown).toBe(
      [
        '### bump-manifest',
        '',
        '| file | container | old image | new image |',
        '| --- | --- | --- | --- |',
        '| a.yaml | Pod/p containers[app] | `a.io/app:1` | `a.io/app:2` |',
        '| c.yaml | Pod/p containers[app] | `a.io/app:2` | (unchanged) |',
        '',
        'Commit `abc123` pushed to `main` in 2 attempts.',
        '',
      ].join('\n'),
    )
    expect(summaryMarkdown(plans, { changed: true, dryRun: true, pushed: false, attempts: 0 })).toContain('Dry run: nothing was written')
    const refused = summaryMarkdown(plans, { changed: false, dryRun: false, pushed: false, attempts: 0, refused: 'held' })
    expect(refused).toContain('No commit: the deploy was refused (held)')
    expect(refused).not.toContain('already up to date')
    expect(summaryMarkdown(plans, { changed: true, dryRun: false, pushed: true, attempts: 1, commit: 'abc', pullRequestUrl: 'https://x/pull/1' })).toContain(
      'Pull request: https://x/pull/1',
    )
  })

  it('says when GitHub made the commit, and what came of auto-merge', () => {
    const api = { changed: true, dryRun: false, pushed: true, attempts: 1, commit: 'abc', viaApi: true }
    expect(summaryMarkdown(plans, { ...api, branch: 'main' })).toContain('Commit `abc` created through the GitHub API (signed by GitHub) on `main` in 1 attempt.')
    const pr = { ...api, pullRequestUrl: 'https://x/pull/1' }
    expect(summaryMarkdown(plans, { ...pr, autoMerge: { method: 'squash', state: 'enabled' } })).toContain(
      'Pull request: https://x/pull/1 (commit `abc`, created and signed by GitHub through its API).\n\nAuto-merge (squash) enabled',
    )
    expect(summaryMarkdown(plans, { ...pr, autoMerge: { method: 'merge', state: 'not-allowed', reason: 'the repository does not allow auto-merge' } })).toContain(
      'Auto-merge (merge) not enabled: the repository does not allow auto-merge. The pull request stays open.',
    )
  })
})

describe('backoffUnit', () => {
  it('follows the last attempt, within 50 ms and 2 s', () => {
    expect(backoffUnit(0)).toBe(50)
    expect(backoffUnit(600)).toBe(600)
    expect(backoffUnit(60_000)).toBe(2000)
  })
})
