#!/usr/bin/env node
// Rebuilds every action bundle and fails when any dist/ differs from what git has committed,
// so a pull request cannot change src/ without the dist/ the runner actually executes. Every
// action.yml, the entries in sub-folders too (actions/buildx-multiarch/plan runs
// ../dist/plan/index.js), must name a bundle the build produced.
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

execFileSync('pnpm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
const drift = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ':(glob)actions/*/dist/**'], {
  encoding: 'utf8',
}).trim()
if (drift) {
  console.error('dist/ is out of date with src/. Run `pnpm build` and commit the result. Files that differ:')
  console.error(drift)
  process.exit(1)
}
const metadata = readdirSync('actions', { recursive: true, encoding: 'utf8' }).filter(
  (path) => /(^|\/)action\.yml$/.test(path) && !path.includes('node_modules') && !path.split('/').includes('test'),
)
const missing = metadata.flatMap((path) => {
  const main = /^ {2}main: *['"]?([^'"\s]+)/m.exec(readFileSync(join('actions', path), 'utf8'))?.[1]
  const bundle = main && join('actions', dirname(path), main)
  return bundle && existsSync(bundle) ? [] : [`actions/${path}: runs.main ${main ?? '(none)'} is not a built bundle`]
})
if (missing.length > 0) {
  console.error(missing.join('\n'))
  process.exit(1)
}
console.log(`dist/ matches the sources of every action (${metadata.length} action.yml files, each naming a built bundle)`)
