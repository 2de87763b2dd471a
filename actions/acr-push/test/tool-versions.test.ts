// The version check on what skopeo and buildx really print for --version, on this machine and on
// GitHub's runner images (actions/runner-images, images/ubuntu/Ubuntu2204-Readme.md: skopeo 1.4.1;
// Ubuntu2404-Readme.md: 1.13.3; Ubuntu2604-Readme.md: 1.21.0-dev; Docker-Buildx 0.36.1 on all).
import { describe, expect, it } from 'vitest'
import { MINIMUM_VERSIONS, toolVersion, toolsNeeded, versionProblem } from '../src/tool-versions'

describe('reading versions', () => {
  it.each([
    ['skopeo', 'skopeo version 1.4.1\n', '1.4.1'],
    ['skopeo', 'skopeo version 1.9.3\n', '1.9.3'],
    ['skopeo', 'skopeo version 1.21.0-dev commit: 1a2b3c\n', '1.21.0'],
    ['buildx', 'github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3\n', '0.13.1'],
    ['buildx', 'github.com/docker/buildx v0.36.1 2f1be25b8f0e8c2a1b3e0f7b8c9d0e1f2a3b4c5d\n', '0.36.1'],
  ] as const)('%s: %j -> %s', (tool, output, version) => {
    expect(toolVersion(tool, output)?.text).toBe(version)
  })
})

describe('minimums', () => {
  it('refuses ubuntu-22.04\'s skopeo 1.4.1, naming the minimum and the runner image to use', () => {
    expect(MINIMUM_VERSIONS.skopeo).toBe('1.6.0')
    const problem = versionProblem('skopeo', 'skopeo version 1.4.1\n')
    expect(problem).toMatch(/^skopeo 1\.4\.1 is too old: acr-push needs skopeo 1\.6\.0 or newer/)
    expect(problem).toContain('runs-on: ubuntu-24.04')
    expect(versionProblem('skopeo', 'skopeo version 1.5.2\n')).toMatch(/^skopeo 1\.5\.2 is too old: acr-push needs skopeo 1\.6\.0 or newer/)
  })

  it('accepts what ubuntu-24.04, ubuntu-26.04 and Debian bookworm ship', () => {
    for (const output of ['skopeo version 1.13.3\n', 'skopeo version 1.21.0-dev commit: x\n', 'skopeo version 1.6.0\n', 'skopeo version 1.9.3\n']) {
      expect(versionProblem('skopeo', output)).toBeUndefined()
    }
    expect(versionProblem('buildx', 'github.com/docker/buildx v0.36.1 abc\n')).toBeUndefined()
    expect(versionProblem('buildx', 'github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3\n')).toBeUndefined()
  })

  it('refuses an old or missing buildx, and output it cannot read', () => {
    expect(versionProblem('buildx', 'github.com/docker/buildx v0.8.2 abc\n')).toMatch(/^docker buildx 0\.8\.2 is too old: acr-push needs docker buildx 0\.9\.0 or newer/)
    expect(versionProblem('buildx', undefined)).toMatch(/^docker buildx was not found on this runner/)
    expect(versionProblem('skopeo', 'garbage')).toMatch(/could not read the version of skopeo from "garbage"/)
  })

  it('checks skopeo only when the run will start it', () => {
    expect(toolsNeeded({ verifyOnly: true, releaseCandidate: false })).toEqual(['buildx'])
    expect(toolsNeeded({ verifyOnly: false, releaseCandidate: false })).toEqual(['buildx', 'skopeo'])
    // release-candidate lists the staging tags with skopeo list-tags, verify-only or not.
    expect(toolsNeeded({ verifyOnly: true, releaseCandidate: true })).toEqual(['buildx', 'skopeo'])
  })
})
