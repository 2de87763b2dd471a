// OCI platform strings (os/arch[/variant]) parsed and normalised the way containerd does,
// so "linux/aarch64" and "linux/arm64/v8" both mean linux/arm64. Pure: no I/O.

/**
 * The platforms built and required when a caller names none: the cluster's nodes may be amd64 or
 * arm64 (DESIGN.md). buildx-multiarch builds them, the local pipeline builds and requires them;
 * acr-push's require-platforms default in its action.yml equals them (tools/test/action-docs.test.ts).
 */
export const DEFAULT_PLATFORMS: readonly string[] = ['linux/amd64', 'linux/arm64']

export interface Platform {
  os: string
  architecture: string
  variant?: string
}

const KNOWN_OS = new Set(['linux', 'windows', 'darwin', 'freebsd'])
const ARCH_ALIASES: Record<string, string> = { x86_64: 'amd64', x86: '386', i386: '386', aarch64: 'arm64', armhf: 'arm', armel: 'arm' }
const KNOWN_ARCH = new Set(['amd64', 'arm64', 'arm', '386', 'ppc64le', 's390x', 'riscv64', 'mips64le', 'loong64'])

export class InvalidPlatformError extends Error {
  override name = 'InvalidPlatformError'
}

/** Parses one platform such as `linux/arm64`, `linux/arm/v7` or `linux/amd64/v2`. */
export function parsePlatform(text: string): Platform {
  const parts = text.trim().toLowerCase().split('/')
  const [os, rawArch, variant, ...rest] = parts
  const expected = 'expected os/arch[/variant], e.g. linux/amd64 or linux/arm64'
  if (!os || !rawArch || rest.length > 0 || parts.some((p) => p === '')) {
    throw new InvalidPlatformError(`"${text}" is not a platform (${expected})`)
  }
  if (!KNOWN_OS.has(os)) throw new InvalidPlatformError(`"${text}": unknown operating system "${os}" (${expected})`)
  const architecture = ARCH_ALIASES[rawArch] ?? rawArch
  if (!KNOWN_ARCH.has(architecture)) {
    throw new InvalidPlatformError(`"${text}": unknown architecture "${rawArch}" (known: ${[...KNOWN_ARCH].join(', ')})`)
  }
  if (variant !== undefined && !/^v[0-9]+$/.test(variant)) {
    throw new InvalidPlatformError(`"${text}": unknown variant "${variant}" (expected v5, v6, v7, v8, ...)`)
  }
  // arm64/v8 is the default arm64 variant; arm without a variant means v7.
  if (architecture === 'arm64' && variant === 'v8') return { os, architecture }
  if (architecture === 'arm' && variant === undefined) return { os, architecture, variant: 'v7' }
  return variant === undefined ? { os, architecture } : { os, architecture, variant }
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/')
}

/** `linux/arm64` -> `linux-arm64`, for tags, scopes, file and directory names. */
export function platformKey(platform: Platform): string {
  return formatPlatform(platform).replace(/\//g, '-')
}

/**
 * A platform as an index entry or an image config spells it, normalised (`linux/arm64/v8` ->
 * `linux/arm64`); one this module does not know is kept as written, for messages.
 */
export function normalisePlatform(p: { os?: string; architecture?: string; variant?: string }): string {
  return formatPlatform(normalisedPlatform(p))
}

/** `normalisePlatform` as a Platform (for an index entry): `{linux, arm64, v8}` -> `{linux, arm64}`; one not known kept as written. */
export function normalisedPlatform(p: { os?: string; architecture?: string; variant?: string }): Platform {
  const written: Platform = { os: p.os ?? '', architecture: p.architecture ?? '', ...(p.variant ? { variant: p.variant } : {}) }
  try {
    return parsePlatform(formatPlatform(written))
  } catch {
    return written
  }
}

/** Parses a list of platform strings, normalising and removing duplicates, keeping order. */
export function parsePlatforms(items: readonly string[]): Platform[] {
  const seen = new Set<string>()
  const result: Platform[] = []
  for (const item of items) {
    const platform = parsePlatform(item)
    const key = formatPlatform(platform)
    if (!seen.has(key)) {
      seen.add(key)
      result.push(platform)
    }
  }
  return result
}

/** The platforms of `required` that `available` lacks (both compared after normalisation). */
export function missingPlatforms(required: readonly Platform[], available: readonly Platform[]): Platform[] {
  const have = new Set(available.map(formatPlatform))
  return required.filter((p) => !have.has(formatPlatform(p)))
}

/** Attestation manifests in an index carry the platform unknown/unknown: they are not platforms. */
export function isAttestationPlatform(p: { os?: string; architecture?: string }): boolean {
  return p.os === 'unknown' && p.architecture === 'unknown'
}
