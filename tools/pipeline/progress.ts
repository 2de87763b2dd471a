// One line per step with its elapsed time: a spinner with the step's latest log line on a
// terminal, a heartbeat line every 20 s otherwise (CI logs), and the full output in a log file.
import { appendFileSync } from 'node:fs'

const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']
const HEARTBEAT_MS = 20_000

export interface StepTiming {
  name: string
  seconds: number
  ok: boolean
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`
}

export class Progress {
  readonly timings: StepTiming[] = []
  private readonly tty: boolean

  constructor(
    private readonly out: NodeJS.WriteStream,
    readonly logFile: string,
  ) {
    this.tty = Boolean(out.isTTY) && process.env.CI !== 'true'
  }

  /** Writes a line to the terminal and the log file. */
  line(text: string): void {
    this.out.write(`${text}\n`)
    appendFileSync(this.logFile, `${text}\n`)
  }

  /**
   * Runs one step. `fn` receives a sink for the step's own output (it goes to the log file, and
   * its last line shows beside the spinner); the returned detail string ends the step's line.
   */
  async step<T>(name: string, fn: (sink: (chunk: string) => void) => Promise<T>, detail: (result: T) => string = () => ''): Promise<T> {
    const started = Date.now()
    let lastLine = ''
    let frame = 0
    appendFileSync(this.logFile, `\n==> ${name}\n`)
    const sink = (chunk: string): void => {
      appendFileSync(this.logFile, chunk)
      const lines = chunk.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('::'))
      if (lines.length > 0) lastLine = lines[lines.length - 1] ?? lastLine
    }
    const label = name.padEnd(9)
    const timer = this.tty
      ? setInterval(() => {
          const text = `${SPINNER[frame++ % SPINNER.length]} ${label} ${formatSeconds(Date.now() - started).padStart(7)}  ${lastLine}`
          this.out.write(`\r\x1b[2K${text.slice(0, (this.out.columns || 100) - 1)}`)
        }, 100)
      : setInterval(() => this.out.write(`… ${label} ${formatSeconds(Date.now() - started).padStart(7)}  ${lastLine.slice(0, 100)}\n`), HEARTBEAT_MS)
    if (!this.tty) this.out.write(`▸ ${label} started\n`)
    const finish = (ok: boolean, text: string): void => {
      clearInterval(timer)
      const elapsed = Date.now() - started
      this.timings.push({ name, seconds: elapsed / 1000, ok })
      if (this.tty) this.out.write('\r\x1b[2K')
      this.line(`${ok ? '✔' : '✘'} ${label} ${formatSeconds(elapsed).padStart(7)}  ${text}`)
    }
    try {
      const result = await fn(sink)
      finish(true, detail(result))
      return result
    } catch (error) {
      finish(false, 'failed')
      throw error
    }
  }
}
