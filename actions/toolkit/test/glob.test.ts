import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandEntry, isGlob } from '../src/glob'

describe('file entries: paths or globs', () => {
  it('tells a glob from a literal path by its glob characters', () => {
    expect(['*.yaml', 'overlays/**/kustomization.yaml', 'a?.yaml', '[ab].yaml', '{a,b}.yaml'].map(isGlob)).toEqual([true, true, true, true, true])
    expect(['kustomization.yaml', 'overlays/staging/kustomization.yaml', 'v1.2.3.yaml'].map(isGlob)).toEqual([false, false, false])
  })

  it('expands a glob under the directory, sorted and absolute, and resolves a literal path whether it exists or not', () => {
    const root = mkdtempSync(join(tmpdir(), 'glob-'))
    for (const dir of ['overlays/staging', 'overlays/production']) {
      mkdirSync(join(root, dir), { recursive: true })
      writeFileSync(join(root, dir, 'kustomization.yaml'), 'images: []\n')
    }
    expect(expandEntry('overlays/*/kustomization.yaml', root)).toEqual([
      join(root, 'overlays/production/kustomization.yaml'),
      join(root, 'overlays/staging/kustomization.yaml'),
    ])
    expect(expandEntry(`${root}/overlays/s*/kustomization.yaml`, '/')).toEqual([join(root, 'overlays/staging/kustomization.yaml')])
    expect(expandEntry('overlays/*/missing.yaml', root)).toEqual([])
    expect(expandEntry('missing.yaml', root)).toEqual([join(root, 'missing.yaml')])
  })
})
