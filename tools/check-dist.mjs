#!/usr/bin/env node
// Rebuilds every action bundle and fails when any dist/ differs from what git has committed,
// so a pull request cannot change src/ without the dist/ the runner actually executes.
import { execFileSync } from 'node:child_process'

execFileSync('pnpm', ['run', 'build'], { stdio: ['ignore', 'ignore', 'inherit'] })
const drift = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', ':(glob)actions/*/dist/**'], {
  encoding: 'utf8',
}).trim()
if (drift) {
  console.error('dist/ is out of date with src/. Run `pnpm build` and commit the result. Files that differ:')
  console.error(drift)
  process.exit(1)
}
console.log('dist/ matches the sources of every action')
