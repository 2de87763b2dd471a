import { describe, expect, it } from 'vitest'
import { parsePlatforms } from '@aks-gitops/toolkit'
import { capabilitiesOf, emulationPlan, foreignPlatforms, hostArchitecture, needsContainerBuilder, parseBuilderInspect, usesContainerdStore } from '../src/capabilities'

const INSPECT_DOCKER = `Name:          default
Driver:        docker
Last Activity: 2026-11-23 17:14:14 +0000 UTC

Nodes:
Name:             default
Endpoint:         default
Status:           running
BuildKit version: v0.8+unknown
Platforms:        linux/amd64, linux/arm64, linux/386
`
const INSPECT_CONTAINER = `Name:          builder-1
Driver:        docker-container
Nodes:
Name:      builder-10
Endpoint:  unix:///var/run/docker.sock
Status:    running
Platforms: linux/amd64*, linux/arm64, linux/riscv64
`

describe('parseBuilderInspect', () => {
  it('reads name, driver and platforms from both drivers', () => {
    expect(parseBuilderInspect(INSPECT_DOCKER)).toEqual({ name: 'default', driver: 'docker', platforms: ['linux/amd64', 'linux/arm64', 'linux/386'] })
    expect(parseBuilderInspect(INSPECT_CONTAINER)).toEqual({ name: 'builder-1', driver: 'docker-container', platforms: ['linux/amd64', 'linux/arm64', 'linux/riscv64'] })
  })
  it('fails on output without a driver', () => {
    expect(() => parseBuilderInspect('ERROR: no builder')).toThrow(/cannot read the builder/)
  })
})

describe('capabilitiesOf', () => {
  it('the docker driver on the classic store builds one platform at a time and keeps no attestations', () => {
    expect(capabilitiesOf('docker', false)).toEqual({ multiPlatform: false, ociExport: false, attestations: false, cacheExport: false, pushByDigest: false })
  })
  it('the containerd store adds multi-platform and attestations; docker-container can do everything', () => {
    expect(capabilitiesOf('docker', true)).toMatchObject({ multiPlatform: true, attestations: true, cacheExport: false })
    expect(Object.values(capabilitiesOf('docker-container', false)).every(Boolean)).toBe(true)
  })
  it('detects the containerd image store from docker info', () => {
    expect(usesContainerdStore('[["driver-type","io.containerd.snapshotter.v1"]]')).toBe(true)
    expect(usesContainerdStore('[["Backing Filesystem","extfs"]]')).toBe(false)
  })
})

describe('needsContainerBuilder', () => {
  const docker = { name: 'default', driver: 'docker', platforms: [] }
  const hosted = { GITHUB_ACTIONS: 'true', RUNNER_ENVIRONMENT: 'github-hosted' }
  it('auto creates one on GitHub-hosted runners only', () => {
    expect(needsContainerBuilder('auto', docker, hosted)).toBe(true)
    expect(needsContainerBuilder('auto', docker, { GITHUB_ACTIONS: 'true', RUNNER_ENVIRONMENT: 'self-hosted' })).toBe(false)
    expect(needsContainerBuilder('auto', docker, {})).toBe(false)
  })
  it('follows an explicit driver and never replaces a builder that already runs BuildKit itself', () => {
    expect(needsContainerBuilder('docker-container', docker, {})).toBe(true)
    expect(needsContainerBuilder('docker', docker, hosted)).toBe(false)
    expect(needsContainerBuilder('docker-container', { ...docker, driver: 'docker-container' }, hosted)).toBe(false)
  })
})

describe('QEMU', () => {
  const both = parsePlatforms(['linux/amd64', 'linux/arm64'])
  it('maps node architectures', () => {
    expect(hostArchitecture('x64')).toBe('amd64')
    expect(hostArchitecture('arm64')).toBe('arm64')
  })
  it('needs emulation only for foreign platforms', () => {
    expect(foreignPlatforms(both, 'amd64').map((p) => p.architecture)).toEqual(['arm64'])
    expect(foreignPlatforms(both, 'arm64').map((p) => p.architecture)).toEqual(['amd64'])
    expect(foreignPlatforms(parsePlatforms(['linux/386']), 'amd64')).toEqual([])
  })
  it('installs only the handlers binfmt_misc lacks', () => {
    expect(emulationPlan(both, 'amd64', ['qemu-aarch64', 'python3.11'])).toEqual({ foreign: ['linux/arm64'], install: [], registered: ['arm64'] })
    expect(emulationPlan(both, 'amd64', [])).toEqual({ foreign: ['linux/arm64'], install: ['arm64'], registered: [] })
    expect(emulationPlan(parsePlatforms(['linux/amd64', 'linux/arm64', 'linux/s390x']), 'amd64', ['qemu-aarch64']).install).toEqual(['s390x'])
    expect(emulationPlan(parsePlatforms(['linux/amd64']), 'amd64', [])).toEqual({ foreign: [], install: [], registered: [] })
    expect(emulationPlan(both, 'arm64', ['qemu-x86_64']).install).toEqual([])
  })
})
