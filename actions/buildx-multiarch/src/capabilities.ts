// What a buildx builder can do, decided from its driver, and what must be set up first (a
// docker-container builder, QEMU binfmt handlers). Pure: the I/O lives in docker.ts.
import { formatPlatform, type Platform } from '@aks-gitops/toolkit'
import type { DriverChoice } from './inputs'

export interface BuilderInfo {
  name: string
  driver: string
  /** Platforms the builder reports it can build (from `docker buildx inspect`). */
  platforms: string[]
}

export interface Capabilities {
  /** Several platforms in one invocation (an index built by BuildKit itself). */
  multiPlatform: boolean
  /** `--output type=oci` (an OCI layout written by BuildKit). */
  ociExport: boolean
  /** Provenance/SBOM attestations kept in the result. */
  attestations: boolean
  /** `--cache-to` other than inline (gha, registry, local). */
  cacheExport: boolean
  /** `push-by-digest=true`: push without a tag (per-platform builds merged later). */
  pushByDigest: boolean
}

/**
 * The docker driver on the classic image store keeps one platform per image and drops
 * attestations; with the containerd image store it handles multi-platform and attestations but
 * still exports only inline cache. Every other driver runs BuildKit itself and can do it all.
 */
export function capabilitiesOf(driver: string, containerdStore: boolean): Capabilities {
  if (driver === 'docker') {
    return { multiPlatform: containerdStore, ociExport: containerdStore, attestations: containerdStore, cacheExport: false, pushByDigest: false }
  }
  return { multiPlatform: true, ociExport: true, attestations: true, cacheExport: true, pushByDigest: true }
}

/** Name and driver from `docker buildx inspect` output. */
export function parseBuilderInspect(text: string): BuilderInfo {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1]?.trim() ?? ''
  const name = field('Name')
  const driver = field('Driver')
  if (!name || !driver) throw new Error(`cannot read the builder's name and driver from "docker buildx inspect":\n${text.trim()}`)
  const platforms = field('Platforms')
    .split(',')
    .map((p) => p.trim().replace(/\*$/, ''))
    .filter(Boolean)
  return { name, driver, platforms }
}

/** True when `docker info`'s DriverStatus shows the containerd image store (docker 24+ option). */
export function usesContainerdStore(driverStatusJson: string): boolean {
  return /io\.containerd\.snapshotter/.test(driverStatusJson)
}

/**
 * Whether to create a docker-container builder: when asked to, or (auto) on GitHub's hosted
 * runners, whose default builder is the docker driver and where pulling moby/buildkit works.
 * Elsewhere (self-hosted, this repository's local engine) the current builder is used as it is.
 */
export function needsContainerBuilder(choice: DriverChoice, current: BuilderInfo, env: Record<string, string | undefined>): boolean {
  if (current.driver !== 'docker') return false
  if (choice === 'docker-container') return true
  if (choice === 'docker') return false
  return env.GITHUB_ACTIONS === 'true' && env.RUNNER_ENVIRONMENT === 'github-hosted'
}

/** Node's process.arch as an OCI architecture. */
export function hostArchitecture(nodeArch: string): string {
  return ({ x64: 'amd64', ia32: '386', arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' } as Record<string, string>)[nodeArch] ?? nodeArch
}

// The binfmt_misc entry QEMU registers for each architecture (its name in /proc/sys/fs/binfmt_misc).
const QEMU_HANDLER: Record<string, string> = {
  amd64: 'qemu-x86_64',
  '386': 'qemu-i386',
  arm64: 'qemu-aarch64',
  arm: 'qemu-arm',
  ppc64le: 'qemu-ppc64le',
  s390x: 'qemu-s390x',
  riscv64: 'qemu-riscv64',
  mips64le: 'qemu-mips64el',
  loong64: 'qemu-loongarch64',
}

// Architectures a host runs without emulation besides its own.
const NATIVE_EXTRA: Record<string, string[]> = { amd64: ['386'], arm64: ['arm'] }

/** The platforms the host cannot run natively: building them needs QEMU. */
export function foreignPlatforms(platforms: readonly Platform[], hostArch: string): Platform[] {
  const native = new Set([hostArch, ...(NATIVE_EXTRA[hostArch] ?? [])])
  return platforms.filter((p) => !native.has(p.architecture))
}

export interface EmulationPlan {
  foreign: string[]
  /** Architectures whose QEMU handler is missing: install them (tonistiigi/binfmt --install). */
  install: string[]
  /** Foreign architectures already registered with binfmt_misc. */
  registered: string[]
}

/** Which QEMU handlers to install, given the entries present in /proc/sys/fs/binfmt_misc. */
export function emulationPlan(platforms: readonly Platform[], hostArch: string, binfmtEntries: readonly string[]): EmulationPlan {
  const entries = new Set(binfmtEntries)
  const foreign = [...new Set(foreignPlatforms(platforms, hostArch).map((p) => p.architecture))]
  const registered = foreign.filter((arch) => entries.has(QEMU_HANDLER[arch] ?? `qemu-${arch}`))
  return { foreign: foreign.map((a) => formatPlatform({ os: 'linux', architecture: a })), install: foreign.filter((a) => !registered.includes(a)), registered }
}

export interface EmulationNeed {
  register: boolean
  reason: string
}

/**
 * Whether to register QEMU for the foreign platforms: `qemu: true` always, `false` never, `auto`
 * only when a stage runs target-architecture code (`stages`, from dockerfile.ts). A cross-build
 * Dockerfile (every RUN on $BUILDPLATFORM) builds a foreign platform without any emulator.
 */
export function emulationNeed(choice: 'auto' | 'true' | 'false', foreign: readonly string[], stages: readonly string[]): EmulationNeed {
  if (foreign.length === 0) return { register: false, reason: 'not needed (every platform is native)' }
  if (choice === 'false') return { register: false, reason: `off (input qemu: false) for ${foreign.join(', ')}` }
  if (choice === 'true') return { register: true, reason: `QEMU for ${foreign.join(', ')} (input qemu: true)` }
  if (stages.length === 0) return { register: false, reason: `not needed for ${foreign.join(', ')}: every RUN is in a stage on $BUILDPLATFORM` }
  return { register: true, reason: `QEMU for ${foreign.join(', ')}: stage ${stages.join(', ')} RUNs on the target platform` }
}
