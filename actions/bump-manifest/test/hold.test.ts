// Holds are edited in place in the file that pins the image, and kustomize still renders it.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { clearHold, HoldError, holdKey, parseHoldValue, readHold, setHold, type Hold } from '../src/hold'

const STAGING = readFileSync(new URL('../../../k8s-specifications/overlays/staging/kustomization.yaml', import.meta.url), 'utf8')
const PRODUCTION = readFileSync(new URL('../../../k8s-specifications/overlays/production/kustomization.yaml', import.meta.url), 'utf8')
const hold: Hold = { service: 'vote', image: 'aksgitops.azurecr.io/vote:1.4.1@sha256:' + 'a'.repeat(64), by: 'octocat', run: 'https://github.example/o/r/actions/runs/7', at: '2026-11-30T05:00:00.000Z' }

function kustomize(overlayText: string, environment: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'hold-render-'))
  try {
    cpSync(new URL('../../../k8s-specifications', import.meta.url), join(dir, 'k8s'), { recursive: true })
    writeFileSync(join(dir, 'k8s', 'overlays', environment, 'kustomization.yaml'), overlayText)
    return execFileSync('kubectl', ['kustomize', join(dir, 'k8s', 'overlays', environment)], { encoding: 'utf8' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

describe('holds', () => {
  it('sets a hold as an annotation of the Kustomization, touching no other line, and kustomize renders the same objects', () => {
    const held = setHold('staging', STAGING, [0], hold)
    expect(readHold('staging', held, [0], 'vote')).toEqual(hold)
    const added = held.split('\n').filter((line) => !STAGING.split('\n').includes(line))
    expect(added).toEqual(['metadata:', '  annotations:', `    ${holdKey('vote')}: '${JSON.stringify({ image: hold.image, by: 'octocat', run: hold.run, at: hold.at })}'`])
    expect(kustomize(held, 'staging')).toBe(kustomize(STAGING, 'staging'))
    expect(kustomize(held, 'staging')).not.toContain('hold.aks-gitops.io')
  })

  it('holds two services side by side, moves one, and clears them back to the original bytes', () => {
    const two = setHold('production', setHold('production', PRODUCTION, [0], hold), [0], { service: 'result', image: 'r:1.0.0' })
    expect(readHold('production', two, [0], 'result')).toEqual({ service: 'result', image: 'r:1.0.0' })
    const moved = setHold('production', two, [0], { ...hold, image: 'aksgitops.azurecr.io/vote:1.4.0' })
    expect(readHold('production', moved, [0], 'vote')?.image).toBe('aksgitops.azurecr.io/vote:1.4.0')
    expect(readHold('production', moved, [0], 'result')?.image).toBe('r:1.0.0')
    const one = clearHold('production', moved, [0], 'vote')
    expect(readHold('production', one, [0], 'vote')).toBeUndefined()
    expect(clearHold('production', one, [0], 'result')).toBe(PRODUCTION)
    expect(kustomize(two, 'production')).toBe(kustomize(PRODUCTION, 'production'))
  })

  it('adds to existing metadata and annotations at their indentation, and clearing leaves them as they were', () => {
    const text = ['apiVersion: apps/v1', 'kind: Deployment', 'metadata:', '    name: vote', '    annotations:', '        team: web', 'spec: {}', ''].join('\n')
    const held = setHold('d.yaml', text, [0], { service: 'vote', image: 'v:2' })
    expect(held).toContain(`        team: web\n        ${holdKey('vote')}: '{"image":"v:2"}'\nspec: {}`)
    expect(clearHold('d.yaml', held, [0], 'vote')).toBe(text)
    const noAnnotations = ['kind: Kustomization', 'metadata:', '  name: x', 'images: []'].join('\n')
    expect(clearHold('k', setHold('k', noAnnotations, [0], { service: 'vote', image: 'v:2' }), [0], 'vote')).toBe(noAnnotations)
  })

  it('reads a hold written by hand as the image alone, and refuses a document that is not an object', () => {
    expect(parseHoldValue('vote', 'v:1.0.0')).toEqual({ service: 'vote', image: 'v:1.0.0' })
    expect(() => setHold('values.yaml', 'image: v:1\n', [0], hold)).toThrow(HoldError)
    expect(clearHold('k', STAGING, [0], 'vote')).toBe(STAGING)
  })
})
