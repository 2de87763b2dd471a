// The per-visitor id kept in a cookie, and the vote a form posts. Pure functions.
import { randomUUID } from 'node:crypto'
import { isChoice, VOTER_ID_MAX_LENGTH, type Choice } from '@aks-gitops/app-shared'

export const COOKIE_NAME = 'voter_id'
// Ids we issue (UUIDs), capped at the length the worker stores.
const VOTER_ID = new RegExp(`^[A-Za-z0-9-]{8,${VOTER_ID_MAX_LENGTH}}$`)

export function parseCookies(header: string | undefined): Map<string, string> {
  const cookies = new Map<string, string>()
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq <= 0) continue
    const name = part.slice(0, eq).trim()
    const value = part.slice(eq + 1).trim()
    if (!cookies.has(name)) {
      try {
        cookies.set(name, decodeURIComponent(value))
      } catch {
        cookies.set(name, value)
      }
    }
  }
  return cookies
}

/** The visitor's id from the cookie, or undefined when absent or not one we issued. */
export function voterIdFrom(cookieHeader: string | undefined): string | undefined {
  const id = parseCookies(cookieHeader).get(COOKIE_NAME)
  return id && VOTER_ID.test(id) ? id : undefined
}

export function newVoterId(): string {
  return randomUUID()
}

export function voterCookie(id: string, secure: boolean): string {
  const attrs = [`${COOKIE_NAME}=${id}`, 'Path=/', 'Max-Age=31536000', 'HttpOnly', 'SameSite=Lax']
  if (secure) attrs.push('Secure')
  return attrs.join('; ')
}

/** The choice in an application/x-www-form-urlencoded body (`vote=a` or `vote=b`). */
export function parseChoice(body: string): Choice | undefined {
  const vote = new URLSearchParams(body).get('vote')
  return isChoice(vote) ? vote : undefined
}
