// Which Dockerfile stages run code of the target architecture: only those need QEMU when the
// target is foreign to the runner. Pure: reads the Dockerfile's text, runs nothing.
//
// The rule (README "QEMU"): a stage runs on the build machine's own platform when its FROM has
// `--platform=$BUILDPLATFORM` (or `$BUILDOS/$BUILDARCH`, braces allowed), or when it has no
// `--platform` and its base is an earlier stage that does. Every other stage (no flag, a literal
// platform, `$TARGETPLATFORM`) is taken to run on the target platform. A target stage with a RUN
// instruction needs emulation; COPY, ENV, WORKDIR and the like do not execute anything. Every
// stage counts, not only those the build target needs: the check never skips QEMU wrongly.

export interface Stage {
  /** The stage's name (`AS name`), or its index when unnamed. */
  name: string
  base: string
  platform: 'build' | 'target'
  runs: boolean
}

// Dockerfile instructions, with `\` line continuations joined and comments dropped.
function instructions(text: string): string[] {
  const out: string[] = []
  let current = ''
  let heredoc: string | undefined
  for (const raw of text.split(/\r?\n/)) {
    if (heredoc !== undefined) {
      // The body of `RUN <<EOF` is part of that RUN, not an instruction of its own.
      if (raw.trim() === heredoc) heredoc = undefined
      continue
    }
    const line = raw.trim()
    if (current === '' && (line === '' || line.startsWith('#'))) continue
    if (line.startsWith('#')) continue
    if (line.endsWith('\\')) {
      current += `${line.slice(0, -1)} `
      continue
    }
    const instruction = `${current}${line}`.trim()
    current = ''
    if (instruction === '') continue
    out.push(instruction)
    const marker = /<<-?["']?([A-Za-z_][A-Za-z0-9_]*)["']?/.exec(instruction)
    if (marker) heredoc = marker[1]
  }
  if (current.trim() !== '') out.push(current.trim())
  return out
}

const BUILD_PLATFORM = /^\$\{?BUILD(PLATFORM|OS)\}?/

/** The stages of a Dockerfile, each with the platform it runs on and whether it has a RUN. */
export function parseStages(text: string): Stage[] {
  const stages: Stage[] = []
  for (const instruction of instructions(text)) {
    const [keyword = '', ...rest] = instruction.split(/\s+/)
    const upper = keyword.toUpperCase()
    if (upper === 'FROM') {
      const flags = rest.filter((word) => word.startsWith('--'))
      const words = rest.filter((word) => !word.startsWith('--'))
      const base = words[0] ?? ''
      const name = words[1]?.toUpperCase() === 'AS' && words[2] ? words[2].toLowerCase() : String(stages.length)
      const flag = flags.find((f) => f.startsWith('--platform='))?.slice('--platform='.length).replace(/^["']|["']$/g, '')
      let platform: Stage['platform'] = 'target'
      if (flag !== undefined) platform = BUILD_PLATFORM.test(flag) ? 'build' : 'target'
      else {
        const parent = stages.find((s) => s.name === base.toLowerCase())
        if (parent) platform = parent.platform
      }
      stages.push({ name, base, platform, runs: false })
    } else if (upper === 'RUN') {
      const stage = stages[stages.length - 1]
      if (stage) stage.runs = true
    }
  }
  return stages
}

/** The stages that execute target-architecture code (a RUN on a target-platform stage). */
export function stagesNeedingEmulation(text: string): string[] {
  return parseStages(text)
    .filter((stage) => stage.platform === 'target' && stage.runs)
    .map((stage) => stage.name)
}
