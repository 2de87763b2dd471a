// Which versions of docker buildx and skopeo this step needs, read from what the tools print for
// `--version`, and the one message that says what to do when a runner's tool is too old. Pure.
//
// Minimums (the oldest release that has every flag this action passes):
// - skopeo 1.6.0: `copy --preserve-digests` and `copy --multi-arch index-only` both arrived in
//   v1.6.0 (containers/skopeo, cmd/skopeo/copy.go; docs/skopeo-copy.1.md).
// - buildx 0.9.0: `imagetools create --progress` arrived in v0.9.0 (docker/buildx
//   commands/imagetools/create.go); `imagetools inspect --raw/--format` are older (v0.8.0).
// What GitHub's hosted runners ship (actions/runner-images, images/ubuntu/Ubuntu2204-Readme.md,
// Ubuntu2404-Readme.md, Ubuntu2604-Readme.md): ubuntu-22.04 skopeo 1.4.1 (too old),
// ubuntu-24.04 skopeo 1.13.3, ubuntu-26.04 skopeo 1.21.0-dev; Docker-Buildx 0.36.1 on all three.

export type Tool = 'skopeo' | 'buildx'

export interface Version {
  major: number
  minor: number
  patch: number
  text: string
}

export const MINIMUM_VERSIONS: Record<Tool, string> = { skopeo: '1.6.0', buildx: '0.9.0' }

/** Where to get a recent enough tool, for the error message: the hosted runner image to use instead. */
export const RUNNER_ADVICE: Record<Tool, string> = {
  skopeo: 'GitHub\'s ubuntu-22.04 image ships skopeo 1.4.1: use runs-on: ubuntu-24.04 (skopeo 1.13.3) or newer',
  buildx: 'GitHub\'s ubuntu-22.04, ubuntu-24.04 and ubuntu-26.04 images ship Docker Buildx 0.36.1: use one of them, or docker/setup-buildx-action',
}

const COMMANDS: Record<Tool, { command: string; args: string[] }> = {
  skopeo: { command: 'skopeo', args: ['--version'] },
  buildx: { command: 'docker', args: ['buildx', 'version'] },
}

export function versionCommand(tool: Tool): { command: string; args: string[] } {
  return COMMANDS[tool]
}

/** The first x.y.z in a text, with an optional leading v: "0.13.1+ds1", "v0.36.1", "1.21.0-dev". */
export function parseVersion(text: string): Version | undefined {
  const match = /\bv?(\d+)\.(\d+)(?:\.(\d+))?/.exec(text)
  if (!match) return undefined
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0), text: match[0].replace(/^v/, '') }
}

/**
 * The version a tool printed. skopeo prints "skopeo version 1.9.3" (newer builds add
 * " commit: <sha>"); buildx prints "github.com/docker/buildx v0.36.1 <revision>" (Debian's
 * package: "github.com/docker/buildx 0.13.1+ds1 0.13.1+ds1-3").
 */
export function toolVersion(tool: Tool, output: string): Version | undefined {
  const line = output.split('\n').find((l) => (tool === 'skopeo' ? /skopeo version/i.test(l) : /buildx/i.test(l)))
  return line ? parseVersion(line.slice(line.search(tool === 'skopeo' ? /version/i : /\s/))) : undefined
}

function compare(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

/**
 * Tools a run starts: every run reads through buildx; publishing copies and tags with skopeo, and
 * release-candidate lists tags with skopeo (even with verify-only).
 */
export function toolsNeeded(run: { verifyOnly: boolean; releaseCandidate: boolean }): Tool[] {
  return run.verifyOnly && !run.releaseCandidate ? ['buildx'] : ['buildx', 'skopeo']
}

/** Why a tool cannot be used (absent, unreadable version, too old), or undefined when it is fine. */
export function versionProblem(tool: Tool, output: string | undefined): string | undefined {
  const minimum = MINIMUM_VERSIONS[tool]
  const name = tool === 'buildx' ? 'docker buildx' : 'skopeo'
  const needs = `acr-push needs ${name} ${minimum} or newer`
  if (output === undefined) return `${name} was not found on this runner: ${needs}. ${RUNNER_ADVICE[tool]}`
  const found = toolVersion(tool, output)
  if (!found) return `could not read the version of ${name} from "${output.trim().split('\n')[0] ?? ''}": ${needs}`
  const required = parseVersion(minimum)
  if (required && compare(found, required) < 0) {
    return `${name} ${found.text} is too old: ${needs} (${tool === 'skopeo' ? 'copy --preserve-digests and --multi-arch' : 'imagetools create --progress'}). ${RUNNER_ADVICE[tool]}, or install a newer ${name}`
  }
  return undefined
}
