// What the globalSetup hands to the test files through vitest's provide/inject.
import 'vitest'

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string
    postgres: { host: string; port: number; user: string; password: string }
  }
}

export {}
