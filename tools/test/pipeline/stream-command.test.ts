// The one way the local pipeline runs an engine script or the service's tests: output streamed as
// it comes, stdout returned, a non-zero exit a StepError for the step, with real child processes.
import { tmpdir } from 'node:os'
import { describe, expect, it } from 'vitest'
import { StepError } from '../../pipeline/step-error'
import { streamCommand } from '../../pipeline/stream-command'

const failure = { step: 'engine', what: 'tools/engine/start.sh', hint: 'run it by hand to see why: bash tools/engine/start.sh' }
const bash = (script: string, extra: { env?: Record<string, string>; sink?: (s: string) => void } = {}) =>
  streamCommand({ command: 'bash', args: ['-c', script], cwd: tmpdir(), sink: extra.sink ?? (() => undefined), failure, ...(extra.env ? { env: extra.env } : {}) })

describe('streamCommand', () => {
  it('streams stdout and stderr to the sink and resolves with stdout alone', async () => {
    const seen: string[] = []
    const stdout = await bash('echo out; echo err >&2; echo "$PWD"', { sink: (s) => seen.push(s) })
    expect(stdout).toBe(`out\n${tmpdir()}\n`)
    expect(seen.join('')).toContain('err\n')
    expect(seen.join('')).toContain('out\n')
  })

  it('adds env to this process\'s environment', async () => {
    expect(await bash('echo "$STREAM_TEST:${PATH:+path}"', { env: { STREAM_TEST: 'given' } })).toBe('given:path\n')
  })

  it('fails the step with what failed, the exit code and the hint on a non-zero exit', async () => {
    const run = bash('echo partial; exit 3')
    await expect(run).rejects.toBeInstanceOf(StepError)
    await expect(run).rejects.toMatchObject({ step: 'engine', message: 'tools/engine/start.sh failed (exit code 3)', hint: failure.hint })
  })

  it('rejects with the spawn error when the program cannot start', async () => {
    const run = streamCommand({ command: 'no-such-program-here', args: [], cwd: tmpdir(), sink: () => undefined, failure })
    await expect(run).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(run).rejects.not.toBeInstanceOf(StepError)
  })
})
