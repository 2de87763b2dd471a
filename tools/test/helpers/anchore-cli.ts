// The executable behind the grype and syft stand-ins (anchore-standins.ts): `tsx anchore-cli.ts
// grype|syft ARGS...` runs one command line and exits with its code.
import { runStandin } from './anchore-standins'

const [tool, ...argv] = process.argv.slice(2)
if (tool !== 'grype' && tool !== 'syft') {
  process.stderr.write(`usage: anchore-cli.ts grype|syft ARGS... (got '${tool ?? ''}')\n`)
  process.exit(1)
}
const result = runStandin(tool, argv, process.env)
process.stdout.write(result.stdout)
process.stderr.write(result.stderr)
process.exitCode = result.exitCode
