// The local pipeline's redeploy event as options and a plan (pure), and the receipt it reads back and prints.
import { describe, expect, it } from 'vitest'
import type { Receipt } from '@aks-gitops/toolkit'
import { parseOptions, UsageError, type PipelineOptions } from '../../pipeline/options'
import { planEvents } from '../../pipeline/plan'
import { readReceipt, receiptLines } from '../../pipeline/receipt'
import { StepError } from '../../pipeline/step-error'

const SHA = '0123456789abcdef0123456789abcdef01234567'

function options(argv: string[]): PipelineOptions {
  const parsed = parseOptions(argv)
  if (parsed === 'help') throw new Error('unexpected help')
  return parsed
}

describe('--redeploy', () => {
  it('takes a tag, a digest or previous, and --release-hold, for the environment given', () => {
    expect(options(['vote', '--redeploy', '1.4.1', '--env', 'production'])).toMatchObject({ ref: 'refs/heads/main', env: 'production', redeploy: { reference: '1.4.1', releaseHold: false } })
    const digest = `sha256:${'ab'.repeat(32)}`
    expect(options(['vote', '--redeploy', digest]).redeploy).toEqual({ reference: digest, releaseHold: false })
    expect(options(['vote', '--redeploy=previous', '--release-hold'])).toMatchObject({ env: 'staging', redeploy: { reference: 'previous', releaseHold: true } })
    expect(options(['vote']).redeploy).toBeUndefined()
  })

  it.each([
    [['vote', '--redeploy', '1.0; rm -rf /'], '--redeploy "1.0; rm -rf /" is not a tag'],
    [['vote', '--redeploy', 'sha256:abc'], 'is not a tag'],
    [['vote', '--redeploy', '1.0.0', '--ref', 'develop'], 'give --ref or --redeploy, not both'],
    [['vote', '--release-hold'], '--release-hold goes with --redeploy'],
    [['vote', '--redeploy', '1.0.0', '--env', 'qa'], '--env must be staging or production'],
  ])('refuses %j', (argv, message) => {
    expect(() => options(argv)).toThrow(UsageError)
    expect(() => options(argv)).toThrow(message)
  })

  it('plans redeploy.yml\'s jobs for the environment\'s registry and overlay, and nothing else', () => {
    const [plan, ...rest] = planEvents(options(['vote', '--redeploy', 'previous', '--env', 'production', '--production-registry', 'prod.local:5001/x']), SHA, 3)
    expect(rest).toEqual([])
    expect(plan).toMatchObject({
      ref: 'refs/heads/main',
      environment: 'production',
      steps: ['resolve', 'check', 'deploy', 'verify'],
      destination: 'prod.local:5001/x/vote',
      manifest: 'k8s-specifications/overlays/production/kustomization.yaml',
      redeploy: { reference: 'previous', releaseHold: false },
    })
    expect(planEvents(options(['vote', '--redeploy', '1.0.0']), SHA, 3)[0]?.destination).toBe('127.0.0.1:5000/vote')
    // What redeploy.yml's resolve step names (the toolkit's planRedeploy), in this machine's registries.
    const digest = `sha256:${'cd'.repeat(32)}`
    expect(planEvents(options(['vote', '--redeploy', digest, '--env', 'production']), SHA, 3)[0]?.redeploy?.planned).toEqual({
      target: 'production',
      previous: false,
      image: '127.0.0.1:5001/vote',
      source: `127.0.0.1:5001/vote@${digest}`,
      tag: '',
      digest,
      manifests: 'k8s-specifications/overlays/production/kustomization.yaml',
    })
  })
})

describe('receiptLines', () => {
  const receipt: Receipt = {
    service: 'vote',
    environment: 'staging',
    image: 'r/vote:1.0.0',
    digest: `sha256:${'a'.repeat(64)}`,
    platforms: ['linux/amd64', 'linux/arm64'],
    attestations: 'none',
    commit: 'c'.repeat(40),
    commitUrl: '',
    pullRequest: '',
    previousImage: ['r/vote:1.1.0'],
    order: 'older',
    decision: 'deploys an older image on purpose',
    comparedWith: 'the pins of the files as checked out',
    refused: '',
    hold: { state: 'held', change: 'set by this deploy', image: 'r/vote:1.0.0', by: 'octocat', run: 'http://localhost/r/actions/runs/1' },
    sync: { status: 'not waited', detail: 'wait-for-application is not set' },
    stages: [{ name: 'check', seconds: 0.4 }],
  }

  it('lays out the receipt bump-manifest outputs, one field a line', () => {
    const lines = receiptLines(receipt)
    expect(lines).toEqual([
      '  receipt    vote → staging',
      `             image        r/vote:1.0.0@sha256:${'a'.repeat(64)}`,
      '             platforms    linux/amd64, linux/arm64',
      '             attestations none',
      `             commit       ${'c'.repeat(40)}`,
      '             previous     r/vote:1.1.0',
      '             order        older: deploys an older image on purpose',
      '             hold         held at r/vote:1.0.0 by octocat (http://localhost/r/actions/runs/1) (set by this deploy)',
      '             sync         not waited: wait-for-application is not set',
      '             stages       check 0.4 s',
    ])
    expect(receiptLines({ ...receipt, commit: '', refused: 'held', hold: { state: 'held', change: 'kept', image: 'x' } })[4]).toBe('             commit       none: refused (held)')
  })

  it('reads the output back checked, and fails the deploy step with one error when it is not a receipt', () => {
    expect(readReceipt(JSON.stringify(receipt))).toEqual(receipt)
    const { hold: _, ...holdless } = receipt
    for (const [text, message] of [
      [JSON.stringify(holdless), 'hold is missing (expected an object)'],
      [JSON.stringify({ ...receipt, stages: [{ name: 'check', seconds: '0.4' }] }), 'stages[0].seconds is "0.4" (expected a number)'],
      ['{"service": "vote"', 'not JSON'],
    ] as const) {
      expect(() => readReceipt(text)).toThrow(StepError)
      expect(() => readReceipt(text)).toThrow(`bump-manifest's receipt output is not a deployment receipt: ${message}`)
    }
    let caught: unknown
    try {
      readReceipt('[]')
    } catch (error) {
      caught = error
    }
    expect(caught).toMatchObject({ step: 'deploy', message: "bump-manifest's receipt output is not a deployment receipt: it is [] (expected an object)" })
  })
})
