// What acr-push adds to the toolkit's registry faults (actions/toolkit/src/registry/faults.ts):
// which roles to assign when ACR answers 401 after a sign-in, and the message to fail the step with.
import { RegistryError, RetriesExhaustedError, errorMessage } from '@aks-gitops/toolkit'

/** Who the sign-in gave credentials to, for explaining a later 401. */
export interface SignInOutcome {
  /** Registries signed in to with an ACR refresh token (oidc, service-principal). */
  acrTokenRegistries: string[]
  /** Registries read without credentials because they are not ACR login servers. */
  anonymousRegistries: string[]
}

/**
 * ACR's "401 unauthorized: authentication required" after a successful token sign-in means the
 * identity lacks pull or push on that repository; on a registry read anonymously it means that
 * registry needs credentials this step did not send. Returns the hint to append, or undefined.
 * Roles: https://learn.microsoft.com/azure/container-registry/container-registry-rbac-built-in-roles-overview
 */
export function unauthorizedHint(error: unknown, outcome: Partial<SignInOutcome> | undefined): string | undefined {
  const cause = error instanceof RetriesExhaustedError ? error.lastError : error
  if (!(cause instanceof RegistryError) || cause.kind !== 'unauthorized' || !outcome) return undefined
  const named = (registries: string[]) => registries.filter((registry) => cause.message.includes(registry))
  const anonymous = named(outcome.anonymousRegistries ?? [])
  if (anonymous.length > 0) {
    return `${anonymous.join(', ')} was read anonymously: this action hands Azure tokens to ACR login servers only (*.azurecr.io, *.azurecr.cn, *.azurecr.us and the login-server-suffixes input), and this registry needs credentials. Sign in to it before this step (e.g. docker/login-action) and use auth: docker-config, or, if it is an ACR under another name, list its suffix in login-server-suffixes.`
  }
  const signedIn = named(outcome.acrTokenRegistries ?? [])
  if (signedIn.length === 0) return undefined
  return `The sign-in to ${signedIn.join(', ')} succeeded, so ACR's 401 means the identity lacks pull (to read) or push (to write) on this repository. Assign AcrPull / AcrPush on the registry; on registries whose role assignment mode is "RBAC Registry + ABAC Repository Permissions", AcrPull/AcrPush are not honored: assign Container Registry Repository Reader / Container Registry Repository Writer (optionally with a condition on the repository).`
}

/** The message to fail the step with; unwraps the last error after retries, saying how many attempts were made. */
export function failureMessage(error: unknown): string {
  if (error instanceof RetriesExhaustedError) {
    const last = errorMessage(error.lastError)
    return `${last}\n(gave up after ${error.attempts} attempts with backoff)`
  }
  return errorMessage(error)
}
