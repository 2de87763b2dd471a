// Repository variables as GitHub gives them to a run where the repository has not set them: empty
// strings. The callers and redeploy.yml read these to choose how the manifest commit lands.
export const UNSET_GITOPS_VARIABLES = {
  'vars.GITOPS_PULL_REQUEST': '',
  'vars.GITOPS_AUTO_MERGE': '',
  'vars.GITOPS_COMMIT_METHOD': '',
  'vars.GITOPS_APP_CLIENT_ID': '',
} as const
