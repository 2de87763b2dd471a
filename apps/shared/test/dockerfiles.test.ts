// Static checks of apps/Dockerfile, which builds the three services (the images themselves are
// built by the buildx tests and the local pipeline): the cross-build shape per service, that every
// path it copies exists, and that it refuses a build without a known SERVICE.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(import.meta.dirname, '../../..')
const WORKSPACE_DIRS: Record<string, string> = { '@aks-gitops/app-shared': 'apps/shared' }
const DOCKERFILE = readFileSync(join(ROOT, 'apps', 'Dockerfile'), 'utf8')
const SERVICES = ['vote', 'worker', 'result']

describe.each(SERVICES)('apps/Dockerfile with SERVICE=%s', (app) => {
  // What BuildKit builds for the service: the build argument expanded where the file uses it.
  const text = DOCKERFILE.replaceAll('${SERVICE}', app)
  const lines = text.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'))
  const froms = lines.filter((l) => l.startsWith('FROM '))

  it('builds on the build platform and runs on the target platform, base images as arguments', () => {
    expect(froms).toEqual(['FROM --platform=$BUILDPLATFORM ${NODE_BUILD_IMAGE} AS build', 'FROM ${NODE_IMAGE}'])
    expect(lines).toContain('ARG NODE_BUILD_IMAGE=node:24-bookworm-slim')
    expect(lines).toContain('ARG NODE_IMAGE=gcr.io/distroless/nodejs24-debian12')
    expect(text).toContain(`RUN pnpm install --frozen-lockfile --filter "@aks-gitops/${app}..."`)
  })

  it('copies only the bundle into a runtime stage without RUN, as a numeric non-root user', () => {
    const runtime = lines.slice(lines.indexOf('FROM ${NODE_IMAGE}'))
    expect(runtime.filter((l) => l.startsWith('RUN '))).toEqual([])
    expect(runtime.filter((l) => l.startsWith('COPY '))).toEqual([`COPY --from=build /src/apps/${app}/dist/index.cjs /app/index.js`])
    expect(runtime).toContain('USER 65532:65532')
    expect(runtime.at(-1)).toBe('ENTRYPOINT ["node", "/app/index.js"]')
    expect(text).not.toMatch(/^HEALTHCHECK/m)
    expect(text).not.toMatch(/PASSWORD|SECRET|TOKEN/i)
  })

  it('copies paths that exist, including every workspace package the app depends on', () => {
    for (const line of lines.filter((l) => l.startsWith('COPY ') && !l.includes('--from'))) {
      const sources = line.split(/\s+/).slice(1, -1)
      for (const source of sources) expect(existsSync(join(ROOT, source)), source).toBe(true)
    }
    const pkg = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    for (const [dep, range] of Object.entries(pkg.dependencies)) {
      if (!range.startsWith('workspace:')) continue
      const dir = WORKSPACE_DIRS[dep]
      expect(dir, `${dep}: a workspace dependency the Dockerfile does not know`).toBeDefined()
      expect(text).toContain(`COPY ${dir}/package.json ${dir}/`)
      expect(text).toContain(`COPY ${dir}/src ${dir}/src`)
    }
  })
})

describe('apps/Dockerfile', () => {
  it('is the only Dockerfile of the services: no copy per app', () => {
    for (const app of SERVICES) expect(existsSync(join(ROOT, 'apps', app, 'Dockerfile')), app).toBe(false)
  })

  it('builds each service from its own files and the shared package only', () => {
    expect(DOCKERFILE).not.toMatch(/apps\/(vote|result|worker)\b/)
    expect(DOCKERFILE.match(/^ARG SERVICE$/gm)).toHaveLength(2) // one per stage that uses it
  })

  it.each([
    ['', "build argument SERVICE must be vote, result or worker, not ''"],
    ['shared', "not 'shared'"],
    ['../vote', "not '../vote'"],
  ])('refuses SERVICE=%j before copying anything', (service, message) => {
    const guard = DOCKERFILE.split('\n').find((line) => line.startsWith('RUN case "$SERVICE"'))?.slice('RUN '.length) ?? ''
    const before = DOCKERFILE.slice(0, DOCKERFILE.indexOf(guard))
    expect(before).not.toMatch(/^COPY /m)
    const run = spawnSync('sh', ['-c', guard], { env: { SERVICE: service }, encoding: 'utf8' })
    expect(run.status).toBe(1)
    expect(run.stderr).toContain(message)
    for (const app of SERVICES) expect(spawnSync('sh', ['-c', guard], { env: { SERVICE: app } }).status, app).toBe(0)
  })
})

it('the build context leaves out node_modules, git and local state', () => {
  const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n')
  for (const entry of ['**/node_modules', '.git', 'apps/*/dist']) expect(ignore).toContain(entry)
})
