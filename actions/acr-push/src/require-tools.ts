// Checks, before anything else happens, that the tools this run starts are there and recent enough
// (tool-versions.ts says which and why); they run through the toolkit's runTool, with its deadline.
import * as core from '@actions/core'
import { runTool } from '@aks-gitops/toolkit'
import { toolsNeeded, versionCommand, versionProblem, type Tool } from './tool-versions'

async function printedVersion(tool: Tool, timeoutSeconds: number): Promise<string | undefined> {
  const { command, args } = versionCommand(tool)
  try {
    const result = await runTool(command, args, timeoutSeconds, { quiet: true, allowFailure: true })
    // coreutils `timeout` exits 127 when it cannot find the command; docker exits 1 without the buildx plugin.
    return result.exitCode === 0 ? `${result.stdout}\n${result.stderr}` : undefined
  } catch {
    return undefined
  }
}

/** Checks, before anything else happens, that the tools this run will start are there and recent enough. */
export async function requireTools(run: { verifyOnly: boolean; releaseCandidate: boolean }, timeoutSeconds: number): Promise<void> {
  const tools = toolsNeeded(run)
  const outputs = await Promise.all(tools.map((tool) => printedVersion(tool, timeoutSeconds)))
  const problems = tools.map((tool, i) => versionProblem(tool, outputs[i])).filter((p): p is string => p !== undefined)
  if (problems.length > 0) throw new Error(problems.join('\n'))
  core.debug(`tool versions: ${outputs.map((o) => o?.trim().split('\n')[0]).join('; ')}`)
}
