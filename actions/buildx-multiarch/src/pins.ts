// The images the action runs on a runner, pinned by version and digest: a moving tag could change
// the emulator under a build (tonistiigi/binfmt's `latest` broke arm64 builds on runners in
// February 2025, tonistiigi/binfmt#240) or the BuildKit that writes the image, and so its digest.
// Each can be overridden by an input (`qemu-image`, `buildkit-image`); Dependabot cannot see
// these strings, so bump them by hand with the digest of the multi-platform index.

/** tonistiigi/binfmt, the image docker/setup-qemu-action runs (its default is the unpinned `latest`). */
export const BINFMT_IMAGE = 'docker.io/tonistiigi/binfmt:qemu-v10.2.3-68@sha256:400a4873b838d1b89194d982c45e5fb3cda4593fbfd7e08a02e76b03b21166f0'

/** The BuildKit of the docker-container builder (`docker buildx create --driver-opt image=...`). */
export const BUILDKIT_IMAGE = 'docker.io/moby/buildkit:v0.32.2@sha256:28a898719c18a33f4e8000685287fa36fd0dd9560c6440227d3a732d79bb41d8'
