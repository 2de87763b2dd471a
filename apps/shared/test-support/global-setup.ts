// vitest globalSetup for the app packages: one Redis and one PostgreSQL for the package's test
// files (each file isolates itself with its own stream names and database), stopped at the end.
import type { TestProject } from 'vitest/node'
import { startPostgres, startRedis } from './servers'
import './provided'


export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, postgres] = await Promise.all([startRedis(), startPostgres()])
  project.provide('redisUrl', redis.url)
  project.provide('postgres', { host: postgres.host, port: postgres.port, user: postgres.user, password: postgres.password })
  return async () => {
    await Promise.all([redis.destroy(), postgres.destroy()])
  }
}
