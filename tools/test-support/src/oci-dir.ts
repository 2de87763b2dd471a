// How grype v0.110.0 and syft v1.42.3 read an `oci-dir:` source: both go through stereoscope
// v0.1.22 (their go.mod), whose directory provider
// (https://github.com/anchore/stereoscope/blob/v0.1.22/pkg/image/oci/directory_provider.go)
// opens the layout's index.json, accepts exactly one manifest (or several with one digest:
// "unexpected number of OCI directory manifests (found N)" otherwise), loads that descriptor as an
// image (go-containerregistry's layout refuses an index there: "unexpected media type") and reads
// its config and every layer. The stand-ins in anchore-standins.ts read a view the same way, so a
// view that names the whole multi-platform index, or whose blobs are missing, fails as it would.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { blobPath, MEDIA_TYPES } from '@aks-gitops/toolkit'
import { baseImages } from './base-images'

/** A real amd64 + arm64 index: the Node base-image stand-in tools/bootstrap.sh pushes to the local registry. */
export const BASE_IMAGE = baseImages().runtime

/** Copies every platform of BASE_IMAGE into an OCI layout whose index.json names the index: the shape buildx-multiarch exports. */
export function copyBaseImageLayout(layout: string): void {
  execFileSync('skopeo', ['copy', '--all', '--src-tls-verify=false', `docker://${BASE_IMAGE}`, `oci:${layout}:node`], { stdio: 'ignore' })
}

const IMAGE_MANIFEST_TYPES: readonly string[] = [MEDIA_TYPES.ociManifest, MEDIA_TYPES.dockerManifest]

interface Descriptor {
  mediaType: string
  digest: string
  size: number
}

export interface OciDirImage {
  path: string
  manifestDigest: string
  mediaType: string
  /** The config blob's digest: what syft and grype report as the image ID. */
  imageId: string
  architecture: string
  variant?: string
  os: string
  layers: Descriptor[]
  rawManifest: string
  rawConfig: string
}

function readBlob(layout: string, descriptor: Descriptor, what: string): string {
  const file = blobPath(layout, descriptor.digest)
  if (!existsSync(file)) throw new Error(`unable to read ${what} ${descriptor.digest}: no blob at ${file}`)
  return readFileSync(file, 'utf8')
}

/** Reads the one image an OCI layout directory names, or throws stereoscope's error. */
export function readOciDirImage(path: string): OciDirImage {
  if (!existsSync(join(path, 'index.json'))) throw new Error(`unable to read image from OCI directory path "${path}": no index.json`)
  const index = JSON.parse(readFileSync(join(path, 'index.json'), 'utf8')) as { manifests?: Descriptor[] }
  const manifests = index.manifests ?? []
  if (manifests.length === 0 || manifests.some((m) => m.digest !== manifests[0]?.digest)) {
    throw new Error(`unexpected number of OCI directory manifests (found ${manifests.length})`)
  }
  const descriptor = manifests[0] as Descriptor
  if (!IMAGE_MANIFEST_TYPES.includes(descriptor.mediaType)) {
    throw new Error(`unable to parse OCI directory as an image: unexpected media type for ${descriptor.digest}: ${descriptor.mediaType}`)
  }
  const rawManifest = readBlob(path, descriptor, 'manifest')
  const manifest = JSON.parse(rawManifest) as { config: Descriptor; layers: Descriptor[] }
  const rawConfig = readBlob(path, manifest.config, 'config')
  const config = JSON.parse(rawConfig) as { architecture: string; variant?: string; os: string }
  for (const layer of manifest.layers) {
    const file = blobPath(path, layer.digest)
    if (!existsSync(file) || statSync(file).size !== layer.size) throw new Error(`unable to read layer ${layer.digest}: missing or truncated blob ${file}`)
  }
  return {
    path,
    manifestDigest: descriptor.digest,
    mediaType: descriptor.mediaType,
    imageId: manifest.config.digest,
    architecture: config.architecture,
    ...(config.variant === undefined ? {} : { variant: config.variant }),
    os: config.os,
    layers: manifest.layers,
    rawManifest,
    rawConfig,
  }
}
