// The Settings and runner variables the argv tests (plan, github-path, reproducible) plan with:
// one complete base (a release build of two platforms with the pinned images), which each test
// file overrides with what its cases check.
import { parsePlatforms } from '@aks-gitops/toolkit'
import type { Settings } from '../src/inputs'
import { BINFMT_IMAGE, BUILDKIT_IMAGE } from '../src/pins'

export function testSettings(overrides: Partial<Settings> = {}): Settings {
  return {
    mode: 'multi',
    repository: 'acr.example.io/vote',
    displayName: 'acr.example.io/vote',
    context: '/w',
    file: '/w/Dockerfile',
    platforms: parsePlatforms(['linux/amd64', 'linux/arm64']),
    tags: ['1.2.0-rc.3', 'sha-0123456'],
    version: '1.2.0-rc.3',
    tagSource: 'release',
    buildArgs: [],
    labels: {},
    push: false,
    sources: [],
    ociLayout: '/rt/vote-oci',
    cache: 'auto',
    driver: 'auto',
    buildkitImage: BUILDKIT_IMAGE,
    qemu: 'auto',
    qemuImage: BINFMT_IMAGE,
    provenance: 'max',
    sbom: true,
    runnerTemp: '/rt',
    ...overrides,
  }
}

/** What a GitHub-hosted run gives every step: the cache service (gha) and the parts of the run's URL. */
export function githubRunEnv(runId: string, attempt: string): Record<string, string> {
  return {
    ACTIONS_RUNTIME_TOKEN: 'token',
    ACTIONS_RESULTS_URL: 'https://results.example/',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: runId,
    GITHUB_RUN_ATTEMPT: attempt,
  }
}
