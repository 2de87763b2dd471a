// Stand-ins for grype v0.110.0 (the version anchore/scan-action v7.4.0 installs: GrypeVersion.js)
// and syft v1.42.3 (anchore/sbom-action v0.24.0: src/SyftVersion.ts), so the pipeline's scan and
// SBOM scripts run here, where neither the scanners nor grype's database can be downloaded.
// They implement the CLI surface those scripts use, as the sources define it:
// - grype's exit codes (https://github.com/anchore/grype/blob/v0.110.0/cmd/grype/cli/cli.go,
//   WithMapExitCode): 2 when a match at or above --fail-on remains, 1 for any other error, else 0;
//   a bad --fail-on value is an error ("bad --fail-on severity value", cmd/grype/cli/options/grype.go).
// - --only-fixed adds ignore rules for the fix states not-fixed, wont-fix and unknown; ignored
//   matches move to ignoredMatches and --fail-on only looks at the remaining matches
//   (cmd/grype/cli/commands/root.go, grype/vulnerability_matcher.go hasSeverityAtOrAbove).
// - the report files of -o FORMAT[=FILE] / --file are created (empty) before anything is scanned
//   and written after the matching, also when --fail-on is hit (internal/format/writer.go,
//   root.go runGrype); the JSON document is grype/presenter/models (document.go, match.go,
//   vulnerability.go, package.go), severities as the database spells them ("High").
// - syft `scan SOURCE -o spdx-json=FILE` writes an SPDX 2.3 JSON document whose packages are the
//   catalogued packages plus the image itself, versionInfo its manifest digest
//   (https://github.com/anchore/syft/blob/v1.42.3/cmd/syft/internal/options/writer.go,
//   syft/format/common/spdxhelpers/to_format_model.go); any error exits 1.
// What they do not implement is cataloguing and matching: the packages of an image and their
// vulnerabilities come from a fixture (ANCHORE_STANDIN_DB, keyed by the image's architecture, read
// from the layout itself). Without that file grype fails as it does without its database.
import { createHash } from 'node:crypto'
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { errorMessage } from '@aks-gitops/toolkit'
import { readOciDirImage, type OciDirImage } from '@aks-gitops/test-support/oci-dir'

const SEVERITIES = ['negligible', 'low', 'medium', 'high', 'critical'] as const
export type FixState = 'fixed' | 'not-fixed' | 'wont-fix' | 'unknown'

export interface StandinVulnerability {
  id: string
  /** As grype's database spells it: Critical, High, Medium, Low, Negligible, Unknown. */
  severity: string
  fix: { state: FixState; versions: string[] }
}
export interface StandinPackage {
  name: string
  version: string
  type: string
  purl: string
  vulnerabilities?: StandinVulnerability[]
}
/** What the image of each architecture holds: the fixture that replaces cataloguing and the database. */
export type StandinDb = Record<string, StandinPackage[]>

export interface CliResult {
  exitCode: number
  stdout: string
  stderr: string
}

class CliError extends Error {}

interface ParsedArgs {
  positional: string[]
  values: Record<string, string[]>
  bools: Set<string>
}

/** pflag's parsing, for the flags each stand-in declares: --name value, --name=value, -x value. */
function parseArgs(argv: readonly string[], valueFlags: Record<string, string>, boolFlags: Record<string, string>): ParsedArgs {
  const parsed: ParsedArgs = { positional: [], values: {}, bools: new Set() }
  const long = (name: string) => Object.values(valueFlags).includes(name) || Object.values(boolFlags).includes(name)
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string
    if (!arg.startsWith('-') || arg === '-') {
      parsed.positional.push(arg)
      continue
    }
    const [flag, inline] = arg.startsWith('--') ? [arg.slice(2).split('=')[0] as string, arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : undefined] : [arg.slice(1, 2), arg.length > 2 ? arg.slice(2) : undefined]
    const name = arg.startsWith('--') ? flag : (valueFlags[flag] ?? boolFlags[flag])
    if (name === undefined || !long(name)) throw new CliError(arg.startsWith('--') ? `unknown flag: --${flag}` : `unknown shorthand flag: '${flag}' in ${arg}`)
    if (Object.values(boolFlags).includes(name)) {
      parsed.bools.add(name)
      continue
    }
    const value = inline ?? argv[++i]
    if (value === undefined) throw new CliError(`flag needs an argument: ${arg}`)
    ;(parsed.values[name] ??= []).push(value)
  }
  return parsed
}

function readSource(userInput: string | undefined): OciDirImage {
  if (userInput === undefined) throw new CliError('an image/directory argument is required')
  if (!userInput.startsWith('oci-dir:')) throw new CliError(`the stand-in reads oci-dir: sources only, not '${userInput}'`)
  return readOciDirImage(userInput.slice('oci-dir:'.length))
}

/** -o FORMAT[=FILE] with --file as every format's default file; each file created empty at once. */
function openReports(outputs: string[], defaultFile: string | undefined, accepts: (format: string) => boolean): (string | undefined)[] {
  return outputs.map((output) => {
    const [format, file] = output.includes('=') ? [output.slice(0, output.indexOf('=')), output.slice(output.indexOf('=') + 1)] : [output, defaultFile]
    if (!accepts(format)) throw new CliError(`unsupported output format "${format}" (the stand-in writes the formats the pipeline uses only)`)
    if (file !== undefined && file !== '') {
      mkdirSync(dirname(file), { recursive: true }) // both writers create missing directories
      writeFileSync(file, '')
    }
    return file === '' ? undefined : file
  })
}

function loadDb(env: NodeJS.ProcessEnv, required: boolean): StandinDb {
  const file = env.ANCHORE_STANDIN_DB
  try {
    return JSON.parse(readFileSync(file ?? '', 'utf8')) as StandinDb
  } catch (error) {
    if (!required) return {}
    throw new CliError(`failed to load vulnerability db: ${errorMessage(error)}`)
  }
}

const severityRank = (severity: string) => SEVERITIES.indexOf(severity.toLowerCase() as (typeof SEVERITIES)[number]) + 1 // 0: unknown
const packageId = (p: StandinPackage) => createHash('sha256').update(`${p.type}/${p.name}@${p.version}`).digest('hex').slice(0, 16)

function artifact(p: StandinPackage) {
  return { id: packageId(p), name: p.name, version: p.version, type: p.type, locations: [], language: '', licenses: [], cpes: [], purl: p.purl, upstreams: [] }
}

function match(p: StandinPackage, v: StandinVulnerability) {
  return {
    vulnerability: {
      id: v.id, dataSource: `https://nvd.nist.gov/vuln/detail/${v.id}`, namespace: 'standin:fixture', severity: v.severity, urls: [], cvss: [],
      fix: { versions: v.fix.versions, state: v.fix.state }, advisories: [], risk: 0,
    },
    relatedVulnerabilities: [],
    matchDetails: [{ type: 'exact-direct-match', matcher: 'stock-matcher', searchedBy: { package: { name: p.name, version: p.version } }, found: { vulnerabilityID: v.id } }],
    artifact: artifact(p),
  }
}

function imageSource(userInput: string, image: OciDirImage) {
  return {
    type: 'image',
    target: {
      userInput, imageID: image.imageId, manifestDigest: image.manifestDigest, mediaType: image.mediaType, tags: [],
      imageSize: image.layers.reduce((sum, layer) => sum + layer.size, 0), layers: image.layers, manifest: Buffer.from(image.rawManifest).toString('base64'),
      config: Buffer.from(image.rawConfig).toString('base64'), repoDigests: [], architecture: image.architecture, os: image.os,
    },
  }
}

const GRYPE_VALUE_FLAGS = { o: 'output', f: 'fail-on', file: 'file', c: 'config' } as Record<string, string>
const GRYPE_BOOL_FLAGS = { 'only-fixed': 'only-fixed', 'only-notfixed': 'only-notfixed', q: 'quiet', v: 'verbose' } as Record<string, string>

function grype(argv: readonly string[], env: NodeJS.ProcessEnv): CliResult {
  const args = parseArgs(argv, GRYPE_VALUE_FLAGS, GRYPE_BOOL_FLAGS)
  const failOn = args.values['fail-on']?.at(-1)
  if (failOn !== undefined && severityRank(failOn) === 0) throw new CliError(`bad --fail-on severity value '${failOn}'`)
  if (args.positional.length > 1) throw new CliError('an image/directory argument is required (one only)')
  const reports = openReports(args.values.output ?? ['table'], args.values.file?.at(-1), (format) => format === 'json')
  const db = loadDb(env, true)
  let image: OciDirImage
  try {
    image = readSource(args.positional[0])
  } catch (error) {
    throw new CliError(`failed to catalog: ${errorMessage(error)}`)
  }
  const matches: ReturnType<typeof match>[] = []
  const ignoredMatches: (ReturnType<typeof match> & { appliedIgnoreRules: object[] })[] = []
  for (const p of db[image.architecture] ?? []) {
    for (const v of p.vulnerabilities ?? []) {
      const ignoredBy = args.bools.has('only-fixed') && v.fix.state !== 'fixed' ? v.fix.state : args.bools.has('only-notfixed') && v.fix.state === 'fixed' ? 'fixed' : undefined
      if (ignoredBy === undefined) matches.push(match(p, v))
      else ignoredMatches.push({ ...match(p, v), appliedIgnoreRules: [{ namespace: '', 'fix-state': ignoredBy }] })
    }
  }
  const document = {
    matches,
    ...(ignoredMatches.length > 0 ? { ignoredMatches } : {}),
    source: imageSource(args.positional[0] as string, image),
    distro: { name: '', version: '', idLike: null },
    descriptor: { name: 'grype', version: '0.110.0 (stand-in)', timestamp: '' },
  }
  const text = `${JSON.stringify(document)}\n`
  let stdout = ''
  for (const file of reports) {
    if (file === undefined) stdout += text
    else writeFileSync(file, text)
  }
  if (failOn !== undefined && matches.some((m) => severityRank(m.vulnerability.severity) >= severityRank(failOn))) {
    return { exitCode: 2, stdout, stderr: 'ERROR discovered vulnerabilities at or above the severity threshold\n' }
  }
  return { exitCode: 0, stdout, stderr: '' }
}

const SYFT_VALUE_FLAGS = { o: 'output', file: 'file', c: 'config' } as Record<string, string>
const SYFT_BOOL_FLAGS = { q: 'quiet', v: 'verbose' } as Record<string, string>

function spdxPackage(p: StandinPackage) {
  return {
    name: p.name, SPDXID: `SPDXRef-Package-${p.type}-${p.name}-${packageId(p)}`, versionInfo: p.version, supplier: 'NOASSERTION', downloadLocation: 'NOASSERTION',
    filesAnalyzed: false, sourceInfo: 'acquired package info from the stand-in fixture', licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION', copyrightText: 'NOASSERTION',
    externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
  }
}

function syft(argv: readonly string[], env: NodeJS.ProcessEnv): CliResult {
  const args = parseArgs(argv[0] === 'scan' ? argv.slice(1) : argv, SYFT_VALUE_FLAGS, SYFT_BOOL_FLAGS)
  if (args.positional.length !== 1) throw new CliError('an image/directory argument is required')
  const reports = openReports(args.values.output ?? ['table'], args.values.file?.at(-1), (format) => format === 'spdx-json' || format === 'spdx-json@2.3')
  const userInput = args.positional[0] as string
  const image = readSource(userInput)
  const packages = (loadDb(env, false)[image.architecture] ?? []).map(spdxPackage)
  const rootId = `SPDXRef-DocumentRoot-Image-${userInput.replace(/[^A-Za-z0-9.-]/g, '-')}`
  const root = {
    name: userInput, SPDXID: rootId, versionInfo: image.manifestDigest, supplier: 'NOASSERTION', downloadLocation: 'NOASSERTION', filesAnalyzed: false,
    checksums: [{ algorithm: 'SHA256', checksumValue: image.manifestDigest.replace(/^sha256:/, '') }], licenseConcluded: 'NOASSERTION', licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION', primaryPackagePurpose: 'CONTAINER',
  }
  const document = {
    spdxVersion: 'SPDX-2.3', dataLicense: 'CC0-1.0', SPDXID: 'SPDXRef-DOCUMENT', name: userInput,
    documentNamespace: `https://anchore.com/syft/image/${image.manifestDigest.slice(7, 19)}`,
    creationInfo: { licenseListVersion: '3.27', creators: ['Organization: Anchore, Inc', 'Tool: syft-1.42.3 (stand-in)'], created: new Date().toISOString() },
    packages: [...packages, root],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relatedSpdxElement: rootId, relationshipType: 'DESCRIBES' },
      ...packages.map((p) => ({ spdxElementId: rootId, relatedSpdxElement: p.SPDXID, relationshipType: 'CONTAINS' })),
    ],
  }
  const text = `${JSON.stringify(document, null, 1)}\n`
  let stdout = ''
  for (const file of reports) {
    if (file === undefined) stdout += text
    else writeFileSync(file, text)
  }
  return { exitCode: 0, stdout, stderr: '' }
}

/** Runs one stand-in as its command line would; every error is exit code 1, as in both tools. */
export function runStandin(tool: 'grype' | 'syft', argv: readonly string[], env: NodeJS.ProcessEnv): CliResult {
  try {
    return (tool === 'grype' ? grype : syft)(argv, env)
  } catch (error) {
    return { exitCode: 1, stdout: '', stderr: `ERROR ${errorMessage(error)}\n` }
  }
}

export interface Standins {
  grype: string
  syft: string
  /** Each invocation so far, as `tool arg arg ...`. */
  calls: () => string[]
}

/**
 * Writes `grype` and `syft` executables into `dir` (what download-grype / download-syft hand to
 * the scripts as their `cmd` output); each logs its command line to `dir`/calls.log.
 */
export function installStandins(dir: string): Standins {
  const log = join(dir, 'calls.log')
  writeFileSync(log, '')
  const tsx = join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'tsx')
  const cli = join(import.meta.dirname, 'anchore-cli.ts')
  const paths = { grype: join(dir, 'grype'), syft: join(dir, 'syft') }
  for (const [tool, path] of Object.entries(paths)) {
    writeFileSync(path, `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >>'${log}'\nexec '${tsx}' '${cli}' ${tool} "$@"\n`)
    chmodSync(path, 0o755)
  }
  return { ...paths, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean) }
}
