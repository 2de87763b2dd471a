// The commit message: a template with placeholders, a body listing each change, and a trailer
// tooling can recognise. Pure: no I/O.
//
// Why no `[skip ci]`: manifest commits must not rebuild images, but the manifest validation
// workflow must still run on them. GitHub's skip markers skip EVERY push/pull_request workflow,
// validation included. Instead the build workflows are path-filtered to apps/<svc>/** and the
// shared packages; these commits touch only manifest files, so they never match those filters,
// while the validation workflow (filtered on k8s-specifications/**) does run.
import { shortDigest } from './reference'
import type { FilePlan } from './plan'

export const TRAILER = 'Bumped-by: bump-manifest'

/** GitHub's markers that skip workflows on push and pull_request (in the message or as a trailer). */
const SKIP_MARKERS = /\[(skip ci|ci skip|no ci|skip actions|actions skip)\]|^skip-checks:\s*true\s*$/im

export function skipMarker(message: string): string | undefined {
  return SKIP_MARKERS.exec(message)?.[0]
}

export const DEFAULT_TEMPLATE = 'deploy({name}): {image} {reference} → {environment}'
export const DEFAULT_TEMPLATE_NO_ENVIRONMENT = 'deploy({name}): {image} {reference} in {files}'

export const PLACEHOLDERS = ['image', 'name', 'tag', 'digest', 'short-digest', 'reference', 'files', 'environment', 'branch', 'previous'] as const
export type Placeholder = (typeof PLACEHOLDERS)[number]

export interface MessageValues {
  /** The repository the images now use (new-name, or the image input). */
  image: string
  tag?: string
  digest?: string
  files: string[]
  environment?: string
  branch: string
  /** Distinct previous references. */
  previous: string[]
  /** Trailer lines (trailers.ts) after Bumped-by, in the same final paragraph git reads as trailers. */
  trailers?: readonly string[]
}

/** Placeholder names used in a template that we do not know (a typo would end up in the message). */
export function unknownPlaceholders(template: string): string[] {
  return [...template.matchAll(/\{([a-z-]+)\}/g)].map((m) => m[1] as string).filter((name) => !(PLACEHOLDERS as readonly string[]).includes(name))
}

export function placeholderValues(values: MessageValues): Record<Placeholder, string> {
  const name = values.image.split('/').pop() ?? values.image
  const short = values.digest ? shortDigest(values.digest) : ''
  return {
    image: values.image,
    name,
    tag: values.tag ?? '',
    digest: values.digest ?? '',
    'short-digest': short,
    reference: [values.tag, short].filter(Boolean).join('@'),
    files: values.files.join(', '),
    environment: values.environment ?? '',
    branch: values.branch,
    previous: values.previous.join(', '),
  }
}

export function renderTemplate(template: string, values: MessageValues): string {
  const table = placeholderValues(values)
  return template.replace(/\{([a-z-]+)\}/g, (whole, key: string) => (key in table ? table[key as Placeholder] : whole))
}

/** Subject from the template, a body listing each change, and the trailers. */
export function commitMessage(template: string | undefined, values: MessageValues, plans: readonly FilePlan[]): string {
  const chosen = template ?? (values.environment ? DEFAULT_TEMPLATE : DEFAULT_TEMPLATE_NO_ENVIRONMENT)
  const subject = renderTemplate(chosen, values).trim()
  const lines = plans.flatMap((plan) =>
    plan.changes.filter((c) => c.previous !== c.updated).map((c) => `- ${plan.path}: ${c.location}: ${c.previous} → ${c.updated}`),
  )
  const body = lines.length > 0 ? `\n\n${lines.join('\n')}` : ''
  const own = subject.includes(TRAILER) ? [] : [TRAILER]
  const trailers = [...own, ...(values.trailers ?? [])]
  // One paragraph of `Key: value` lines at the end: the block git recognises as trailers.
  return `${subject}${body}${trailers.length > 0 ? `\n\n${trailers.join('\n')}` : ''}\n`
}
