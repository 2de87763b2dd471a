// Same commit, same image: SOURCE_DATE_EPOCH (the commit time: the source-date-epoch input or the environment) passed the way
// BuildKit documents it. Pure: plan.ts puts these into the argv.
//
// - The build argument SOURCE_DATE_EPOCH sets the image config's `created` and its history
//   timestamps (BuildKit >= 0.11; buildx >= 0.10 also forwards the environment variable, the
//   argument makes it explicit in the argv).
// - `rewrite-timestamp=true` on the image and OCI exporters clamps the mtime of every file a layer
//   adds to that time (BuildKit >= 0.13), so RUN/WORKDIR/COPY layers come out byte-identical.
// Sources: https://github.com/moby/buildkit/blob/master/docs/build-repro.md ("SOURCE_DATE_EPOCH")
// and https://docs.docker.com/build/ci/github-actions/reproducible-builds/.
// An older BuildKit ignores both (measured: dockerd 20.10's builder), so they are always safe to pass.
import { formatPlatform, InputError, isAttestationPlatform, type Descriptor, type Platform } from '@aks-gitops/toolkit'

/** Unix time in seconds, as SOURCE_DATE_EPOCH takes it (12 digits reach past the year 30000). */
const UNIX_SECONDS = /^[0-9]{1,12}$/

/** The SOURCE_DATE_EPOCH of the environment (Unix seconds), undefined when unset; throws when malformed. */
export function readSourceDateEpoch(env: Record<string, string | undefined>): string | undefined {
  const value = env.SOURCE_DATE_EPOCH?.trim()
  if (!value) return undefined
  if (!UNIX_SECONDS.test(value)) {
    throw new Error(`SOURCE_DATE_EPOCH "${value}" is not a Unix time in seconds (expected digits, e.g. the output of git log -1 --format=%ct)`)
  }
  return value
}

/** Where the image's timestamps come from: given Unix seconds, or the build context's commit (read with git). */
export type SourceDateEpochChoice = { kind: 'seconds'; seconds: string } | { kind: 'commit' }

/**
 * The `source-date-epoch` input: Unix seconds, or `commit` (the committer time of the commit checked
 * out at the build context). Empty keeps the SOURCE_DATE_EPOCH environment variable, as before the input.
 */
export function parseSourceDateEpoch(input: string, env: Record<string, string | undefined>): SourceDateEpochChoice | undefined {
  const value = input.trim()
  if (value === '') {
    const seconds = readSourceDateEpoch(env)
    return seconds === undefined ? undefined : { kind: 'seconds', seconds }
  }
  if (value === 'commit') return { kind: 'commit' }
  if (!UNIX_SECONDS.test(value)) {
    throw new InputError('source-date-epoch', `"${value}" is neither "commit" nor a Unix time in seconds (expected a non-negative integer, e.g. the output of git log -1 --format=%ct)`)
  }
  return { kind: 'seconds', seconds: value }
}

/** `--build-arg SOURCE_DATE_EPOCH=<seconds>`, or nothing without one. */
export function sourceDateEpochArgs(sourceDateEpoch: string | undefined): string[] {
  return sourceDateEpoch ? ['--build-arg', `SOURCE_DATE_EPOCH=${sourceDateEpoch}`] : []
}

/** The argv with `rewrite-timestamp=true` added to each image/OCI `--output` when a SOURCE_DATE_EPOCH is set. */
export function withRewriteTimestamp(args: readonly string[], sourceDateEpoch: string | undefined): string[] {
  return args.map((arg, i) => {
    if (sourceDateEpoch === undefined || args[i - 1] !== '--output') return arg
    const type = /(?:^|,)type=([a-z]+)/.exec(arg)?.[1]
    return type === 'image' || type === 'oci' || type === 'registry' || type === 'docker' ? `${arg},rewrite-timestamp=true` : arg
  })
}

const REFERENCE_DIGEST = 'vnd.docker.reference.digest'

function isImage(d: Descriptor): boolean {
  return d.platform !== undefined && !isAttestationPlatform(d.platform) && d.annotations?.['vnd.docker.reference.type'] === undefined
}

/**
 * Index entries in one order whatever order the sources came in (matrix jobs finish in any order):
 * images by platform, then each image's attestation manifest in the same order, as BuildKit writes them.
 */
export function fixedOrder(manifests: readonly Descriptor[]): Descriptor[] {
  const key = (d: Descriptor) => (d.platform ? formatPlatform(d.platform) : '')
  const images = manifests.filter(isImage).sort((a, b) => key(a).localeCompare(key(b)) || a.digest.localeCompare(b.digest))
  const rank = (d: Descriptor) => {
    const i = images.findIndex((image) => image.digest === d.annotations?.[REFERENCE_DIGEST])
    return i < 0 ? images.length : i
  }
  const others = manifests.filter((d) => !isImage(d)).sort((a, b) => rank(a) - rank(b) || a.digest.localeCompare(b.digest))
  return [...images, ...others]
}

/**
 * The merge's sources (repo@digest) in the same order: by the platform of the image each holds,
 * so `imagetools create`, which writes the entries in source order, gives one index whatever order
 * the platform jobs' digests came in. A source of unknown platform goes last.
 */
export function sourcesInPlatformOrder(sources: ReadonlyArray<{ source: string; platform?: Platform | undefined }>): string[] {
  const key = (p?: Platform) => (p ? formatPlatform(p) : '\uffff')
  return [...sources].sort((a, b) => key(a.platform).localeCompare(key(b.platform)) || a.source.localeCompare(b.source)).map((s) => s.source)
}
