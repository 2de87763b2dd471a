// The pipeline's settings that planPipeline and planRedeploy are tested with: two registries, the
// default environment names and one manifest per environment.
import type { PipelineSettings } from '../src/index'

export const PIPELINE_SETTINGS: PipelineSettings = {
  service: 'vote',
  registry: 'stagingacr.azurecr.io',
  productionRegistry: 'prodacr.azurecr.io',
  environments: { staging: 'staging', production: 'production' },
  manifests: { staging: 'overlays/staging/kustomization.yaml', production: 'overlays/production/kustomization.yaml' },
}
