// What a repository path component and a service name may be, in one place. Pure: no I/O.
//
// A repository name is what the OCI Distribution Spec calls <name> (v1.1.1, "Pulling manifests":
// https://github.com/opencontainers/distribution-spec/blob/v1.1.1/spec.md#pulling-manifests):
//
//   [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*
//
// that is, path components joined by '/'. image-ref.ts checks each component of a reference
// with isRepositoryComponent (and the whole name's length, which the spec leaves to clients).
//
// A service becomes its image's repository name (registry/<service> unless a repository is
// given), so it is exactly one such component: no '/', which also ends it in the release refs
// release/<service>/vX.Y.Z and <service>/vX.Y.Z. At most 63 characters, because the deploy hold
// is the annotation hold.aks-gitops.io/<service>, and Kubernetes caps an annotation key's name
// at 63 (https://kubernetes.io/docs/concepts/overview/working-with-objects/annotations/#syntax-and-character-set);
// every component is also a valid name there (alphanumeric at both ends, - _ . between).

const REPOSITORY_COMPONENT_RE = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/

/** What a repository path component is, for error messages. */
export const REPOSITORY_COMPONENT_EXPECTED = 'lowercase letters, digits, and . _ __ - between them'

export const SERVICE_NAME_MAX_LENGTH = 63

/** What a service name is, for error messages. */
export const SERVICE_NAME_EXPECTED = `one image repository path component: ${REPOSITORY_COMPONENT_EXPECTED}, at most ${SERVICE_NAME_MAX_LENGTH} characters`

/** Whether `text` is one repository path component (`vote`, `vote-api`, `team_a.b`), per the OCI rule above. */
export function isRepositoryComponent(text: string): boolean {
  return REPOSITORY_COMPONENT_RE.test(text)
}

/** Whether `name` is a repository name inside a registry (`vote`, `team/vote`): components joined by '/'. */
export function isRepositoryPath(name: string): boolean {
  return name.split('/').every(isRepositoryComponent)
}

/** Whether `name` can be a service: one repository path component of at most 63 characters. */
export function isServiceName(name: string): boolean {
  return name.length <= SERVICE_NAME_MAX_LENGTH && isRepositoryComponent(name)
}
