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
    expect(summaryMarkdown(plans, { changed: true, dryRun: false, pushed: true, attempts: 1, commit: 'abc', pullRequestUrl: 'https://x/pull/1' })).toContain(
      'Pull request: https://x/pull/1',
    )
  })
})

describe('backoffUnit', () => {
  it('follows the last attempt, within 150 ms and 2 s', () => {
    expect(backoffUnit(0)).toBe(150)
    expect(backoffUnit(600)).toBe(600)
    expect(backoffUnit(60_000)).toBe(2000)
  })
})
