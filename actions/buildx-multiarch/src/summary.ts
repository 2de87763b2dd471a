// What the action reports: the job summary (markdown), the `metadata` output (JSON), and cache
// statistics read from buildx's plain progress log. Pure: main.ts writes them.
import { formatBytes } from '@aks-gitops/toolkit'

export interface CacheStats {
  /** Dockerfile steps (`[stage n/m]` vertices other than FROM) in the build. */
  steps: number
  /** Of those, the ones BuildKit served from cache. */
  cached: number
}

export interface PlatformResult {
  platform: string
  /** The platform's manifest digest (in the registry or the layout). */
  digest?: string
  /** Compressed size of its config and layers, in bytes. */
  size?: number
  seconds?: number
  cache?: CacheStats
}

export interface ActionResult {
  mode: string
  repository: string
  /** Digest of the index (or, in `platform` mode, of the single platform's manifest). */
  digest: string
  image: string
  tags: string[]
  version: string
  pushed: boolean
  ociLayout?: string
  platforms: PlatformResult[]
  builder: { name: string; driver: string }
  cache: string
  /** What happened to provenance/SBOM attestations, in words. */
  attestations: string
  emulation: string
  seconds: number
}

/** Counts Dockerfile steps and cache hits in `--progress plain` output. */
export function cacheStats(log: string): CacheStats {
  const steps = new Set<string>()
  const cached = new Set<string>()
  for (const line of log.split('\n')) {
    // FROM steps resolve the base image and are never reported CACHED: count the others.
    const step = /^#(\d+) \[[^\]]*\b\d+\/\d+\] (?!FROM )/.exec(line)
    if (step?.[1]) steps.add(step[1])
    const hit = /^#(\d+) CACHED\s*$/.exec(line)
    if (hit?.[1]) cached.add(hit[1])
  }
  return { steps: steps.size, cached: [...cached].filter((id) => steps.has(id)).length }
}

export function renderSummary(result: ActionResult): string {
  const lines: string[] = []
  const where = result.pushed ? `pushed to \`${result.repository}\`` : `exported as an OCI layout at \`${result.ociLayout ?? ''}\` (not pushed)`
  lines.push(`### buildx-multiarch: ${result.platforms.map((p) => p.platform).join(', ')} ${where}`, '')
  lines.push(`- Image: \`${result.image}\``)
  lines.push(`- Tags: ${result.tags.length > 0 ? result.tags.map((t) => `\`${t}\``).join(', ') : 'none'}`)
  lines.push(`- Version: \`${result.version}\``)
  const builder = result.builder.driver === 'none' ? 'none (layouts merged without docker)' : `\`${result.builder.name}\` (${result.builder.driver} driver)`
  lines.push(`- Builder: ${builder}, mode \`${result.mode}\`, ${result.seconds.toFixed(1)} s in all`)
  lines.push(`- Cache: ${result.cache}`)
  lines.push(`- Emulation: ${result.emulation}`)
  lines.push(`- Attestations: ${result.attestations}`, '')
  lines.push('| platform | digest | size | build time | cache hits |', '| --- | --- | --- | --- | --- |')
  for (const p of result.platforms) {
    const cache = p.cache ? `${p.cache.cached}/${p.cache.steps} steps` : '-'
    const seconds = p.seconds === undefined ? '-' : `${p.seconds.toFixed(1)} s`
    lines.push(`| ${p.platform} | \`${p.digest ?? '-'}\` | ${p.size === undefined ? '-' : formatBytes(p.size)} | ${seconds} | ${cache} |`)
  }
  return `${lines.join('\n')}\n`
}

/** The `metadata` output: everything above as JSON, for later steps. */
export function metadataJson(result: ActionResult): string {
  return JSON.stringify(result)
}
