/** The message of anything thrown, for logs and `setFailed`. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}

/**
 * An input that fails validation. `main.ts` turns it into one `setFailed` message
 * before anything has been changed.
 */
export class InputError extends Error {
  override name = 'InputError'
  constructor(
    readonly input: string,
    why: string,
  ) {
    super(`Input "${input}": ${why}`)
  }
}
