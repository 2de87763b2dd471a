// End to end in headless Chromium: the three bundles against real Redis and PostgreSQL; a vote on
// the vote page shows up on the already open result page without a reload.
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { chromium, type BrowserContext } from 'playwright-core'
import { bundleApp, createDatabase, pgEnv, startApp, type RunningApp } from '@aks-gitops/app-shared/testing'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'
const redisUrl = inject('redisUrl')
const server = inject('postgres')
const apps: RunningApp[] = []
let browser: BrowserContext | undefined
const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'))

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (tools/bootstrap.sh does) or set CHROMIUM_PATH`)
  const database = await createDatabase(server, 'e2e')
  const stream = `votes-e2e-${Math.random().toString(36).slice(2, 8)}`
  const common = { REDIS_URL: redisUrl, ...pgEnv(server, database), VOTE_STREAM: stream, PORT: '0' }
  const [vote, worker, result] = await Promise.all([bundleApp('vote'), bundleApp('worker'), bundleApp('result')])
  apps.push(await startApp('worker', worker, { ...common, BLOCK_MS: '200' }))
  apps.push(await startApp('vote', vote, common))
  apps.push(await startApp('result', result, { ...common, POLL_INTERVAL_MS: '200' }))
  // A fresh profile directory (playwright passes it as --user-data-dir).
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 900, height: 700 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
})
afterAll(async () => {
  await browser?.close()
  await Promise.all(apps.map((a) => a.stop('SIGKILL')))
  rmSync(profile, { recursive: true, force: true })
})

it('a vote cast in the browser appears on the open result page without reloading it', async () => {
  const [, vote, result] = apps as [RunningApp, RunningApp, RunningApp]
  const context = browser!
  const resultPage = await context.newPage()
  await resultPage.goto(`http://127.0.0.1:${result.port}/`)
  await expect.poll(() => resultPage.textContent('#status')).toBe('live')
  expect(await resultPage.textContent('#count')).toBe('0 votes')
  // Marks this document: a reload would lose it.
  await resultPage.evaluate(() => ((globalThis as unknown as { marker: string }).marker = 'same-page'))

  const votePage = await context.newPage()
  await votePage.goto(`http://127.0.0.1:${vote.port}/`)
  await votePage.click('button[value="a"]')
  await expect.poll(() => votePage.textContent('#choice')).toBe('You voted for Cats.')

  await expect.poll(() => resultPage.textContent('#count'), { timeout: 10000 }).toBe('1 vote')
  expect(await resultPage.textContent('#percent-a')).toBe('100%')

  // Changing one's mind moves the vote; the count stays at one.
  await votePage.click('button[value="b"]')
  await expect.poll(() => votePage.textContent('#choice')).toBe('You voted for Dogs.')
  await expect.poll(() => resultPage.textContent('#percent-b'), { timeout: 10000 }).toBe('100%')
  expect(await resultPage.textContent('#count')).toBe('1 vote')
  expect(await resultPage.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('same-page')

  if (process.env.SCREENSHOT_DIR) {
    await votePage.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'vote.png') })
    await resultPage.screenshot({ path: join(process.env.SCREENSHOT_DIR, 'result.png') })
  }
})
