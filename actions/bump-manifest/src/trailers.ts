// The git trailers every manifest commit carries, so `git log --format='%(trailers)'` on an
// environment's files reads as its deploy history: what was deployed, from which source commit and
// run, and what it replaced. Pure: builds and reads text; git itself parses the trailers it stores
// (history.ts asks it with %(trailers:...)), this module only names them and shapes their values.
// https://git-scm.com/docs/git-interpret-trailers

export const TRAILER_KEYS = {
  sourceCommit: 'Source-Commit',
  sourceRef: 'Source-Ref',
  image: 'Image',
  imageDigest: 'Image-Digest',
  platforms: 'Platforms',
  previousImage: 'Previous-Image',
  workflowRun: 'Workflow-Run',
  hold: 'Deploy-Hold',
} as const

export interface Provenance {
  /** The commit the image was built from. */
  sourceCommit?: string
  /** The ref that built it (refs/heads/develop, refs/tags/vote/v1.2.0). */
  sourceRef?: string
  /** The new image, repository[:tag] (the digest is Image-Digest). */
  image: string
  imageDigest?: string
  platforms: readonly string[]
  /** The references it replaces, one trailer each (usually one). */
  previousImages: readonly string[]
  /** The run's URL: GITHUB_SERVER_URL/GITHUB_REPOSITORY/actions/runs/GITHUB_RUN_ID. */
  workflowRun?: string
  /** set or released, when this commit changes the service's hold (holds.ts). */
  hold?: string
}

// A trailer value is one line: a line break would end it and start text git reads as something else.
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, ' ').trim()
}

/** `Key: value` lines in a fixed order; a value that is not known is left out rather than left empty. */
export function trailerLines(p: Provenance): string[] {
  const pairs: [string, string | undefined][] = [
    [TRAILER_KEYS.sourceCommit, p.sourceCommit],
    [TRAILER_KEYS.sourceRef, p.sourceRef],
    [TRAILER_KEYS.image, p.image],
    [TRAILER_KEYS.imageDigest, p.imageDigest],
    [TRAILER_KEYS.platforms, p.platforms.length > 0 ? p.platforms.join(',') : undefined],
    ...p.previousImages.map((previous): [string, string] => [TRAILER_KEYS.previousImage, previous]),
    [TRAILER_KEYS.workflowRun, p.workflowRun],
    [TRAILER_KEYS.hold, p.hold],
  ]
  return pairs.filter((pair): pair is [string, string] => Boolean(pair[1] && oneLine(pair[1]))).map(([key, value]) => `${key}: ${oneLine(value)}`)
}

/** Trailers as `git interpret-trailers --parse` or `%(trailers:only,unfold)` print them: key -> values in order. */
export function parseTrailerLines(text: string): Map<string, string[]> {
  const trailers = new Map<string, string[]>()
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line.trimEnd())
    if (!match) continue
    const [, key = '', value = ''] = match
    trailers.set(key, [...(trailers.get(key) ?? []), value])
  }
  return trailers
}
