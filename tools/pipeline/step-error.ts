// How a step of the local pipeline fails: which step, what went wrong, and what to do about it
// (cli.ts prints all three). Its own module, so every step's helpers can throw it.

/** A step that failed, with what to do about it. */
export class StepError extends Error {
  override name = 'StepError'
  constructor(
    readonly step: string,
    message: string,
    readonly hint: string,
  ) {
    super(message)
  }
}
