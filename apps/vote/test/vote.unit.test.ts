import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config'
import { renderPage } from '../src/page'
import { newVoterId, parseChoice, parseCookies, voterCookie, voterIdFrom } from '../src/voter'

describe('voter id and form', () => {
  it('reads the voter id cookie and ignores ids it did not issue', () => {
    const id = newVoterId()
    expect(voterIdFrom(`a=1; voter_id=${id}; b=2`)).toBe(id)
    expect(voterIdFrom('voter_id=<script>')).toBeUndefined()
    expect(voterIdFrom('voter_id=short')).toBeUndefined()
    expect(voterIdFrom(undefined)).toBeUndefined()
    expect(parseCookies('x=%E2%9C%93; y=%zz; =bad').get('x')).toBe('✓')
    expect(parseCookies('y=%zz').get('y')).toBe('%zz')
  })

  it('sets an HttpOnly, SameSite cookie, Secure when asked', () => {
    expect(voterCookie('abcdefgh', false)).toBe('voter_id=abcdefgh; Path=/; Max-Age=31536000; HttpOnly; SameSite=Lax')
    expect(voterCookie('abcdefgh', true)).toMatch(/; Secure$/)
  })

  it('accepts only vote=a or vote=b', () => {
    expect(parseChoice('vote=a')).toBe('a')
    expect(parseChoice('x=1&vote=b')).toBe('b')
    expect(parseChoice('vote=c')).toBeUndefined()
    expect(parseChoice('')).toBeUndefined()
  })
})

describe('page', () => {
  it('escapes the option names and marks the current choice', () => {
    const html = renderPage({ optionA: '<Cats>', optionB: 'Dogs & co', choice: 'b', hostname: 'pod-1' })
    expect(html).toContain('&#60;Cats&#62; vs Dogs &#38; co!')
    expect(html).not.toContain('<Cats>')
    expect(html).toContain('You voted for <strong>Dogs &#38; co</strong>.')
    expect(html).toMatch(/value="b" class="option b chosen" aria-pressed="true"/)
    expect(html).toMatch(/value="a" class="option a" aria-pressed="false"/)
    expect(html).toContain('Served by pod-1')
  })

  it('says when there is no vote yet, and shows a notice', () => {
    const html = renderPage({ optionA: 'A', optionB: 'B', hostname: 'h', notice: 'Try again' })
    expect(html).toContain('You have not voted yet.')
    expect(html).toContain('<p class="notice" role="alert">Try again</p>')
  })
})

describe('config', () => {
  it('has defaults for every setting', () => {
    expect(loadConfig({})).toMatchObject({ port: 8080, redisUrl: 'redis://redis:6379', stream: 'votes', choicesKey: 'votes:choices', optionA: 'Cats', optionB: 'Dogs' })
    expect(() => loadConfig({ REDIS_URL: 'postgres://x' })).toThrow('REDIS_URL must use redis: or rediss:')
  })
})
