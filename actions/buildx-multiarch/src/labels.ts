// OCI image labels (org.opencontainers.image.*) from the workflow's context. Pure: no I/O.
// (The KEY=VALUE lists the action takes for labels and build arguments: the toolkit's parseKeyValueLines.)
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
