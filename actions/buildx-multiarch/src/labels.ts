// OCI image labels (org.opencontainers.image.*) from the workflow's context, and the KEY=VALUE
// lists the action takes for labels and build arguments. Pure: no I/O.
import { OCI_IMAGE_KEY_PREFIX as PREFIX, REVISION_LABEL } from '@aks-gitops/toolkit'

export interface LabelContext {
  /** GITHUB_SERVER_URL + GITHUB_REPOSITORY, e.g. https://github.com/acme/aks-gitops. */
  source?: string
  /** GITHUB_SHA. */
  revision?: string
  version: string
  /** An RFC 3339 time. */
  created: string
  title: string
}

/** The standard OCI labels, then the user's labels (which win, so a Dockerfile's owner can override). */
export function ociLabels(context: LabelContext, userLabels: Record<string, string> = {}): Record<string, string> {
  const labels: Record<string, string> = {}
  if (context.source) labels[`${PREFIX}source`] = context.source
  // The key acr-push's promotion and verify-only read the source commit back by.
  if (context.revision) labels[REVISION_LABEL] = context.revision
  labels[`${PREFIX}version`] = context.version
  labels[`${PREFIX}created`] = context.created
  labels[`${PREFIX}title`] = context.title
  return { ...labels, ...userLabels }
}

/** The image's title: the last path element of its repository (`acme.azurecr.io/shop/vote` -> `vote`). */
export function defaultTitle(repository: string): string {
  return repository.split('/').pop() ?? repository
}

/**
 * Parses `KEY=VALUE` lines. Only newlines separate entries: values may hold commas and `=`.
 * Returns the pairs in order, or throws with the offending line and why.
 */
export function parseKeyValueLines(text: string, what: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = []
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const eq = line.indexOf('=')
    const key = eq < 0 ? line : line.slice(0, eq).trim()
    if (eq <= 0 || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) {
      throw new Error(`"${line}" is not ${what} (expected KEY=VALUE, one per line)`)
    }
    pairs.push([key, line.slice(eq + 1)])
  }
  return pairs
}
