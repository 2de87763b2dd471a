import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/config'
import { sseMessage } from '../src/live'
import { renderResultPage, voteCount } from '../src/page'
import { computeTally, sameTally } from '../src/tally'

describe('tally', () => {
  it('computes whole percentages that add up to 100', () => {
    expect(computeTally([])).toEqual({ a: 0, b: 0, total: 0, percentA: 50, percentB: 50 })
    expect(computeTally([{ vote: 'a', count: 2 }, { vote: 'b', count: '1' }])).toEqual({ a: 2, b: 1, total: 3, percentA: 67, percentB: 33 })
    expect(computeTally([{ vote: 'b', count: 7 }])).toEqual({ a: 0, b: 7, total: 7, percentA: 0, percentB: 100 })
    const t = computeTally([{ vote: 'a', count: 1 }, { vote: 'b', count: 2 }, { vote: 'x', count: 5 }])
    expect(t.total).toBe(3)
    expect(t.percentA + t.percentB).toBe(100)
  })

  it('detects a change', () => {
    const t = computeTally([{ vote: 'a', count: 1 }])
    expect(sameTally(undefined, t)).toBe(false)
    expect(sameTally(t, computeTally([{ vote: 'a', count: 1 }]))).toBe(true)
    expect(sameTally(t, computeTally([{ vote: 'b', count: 1 }]))).toBe(false)
  })
})

describe('page and events', () => {
  it('formats server-sent events', () => {
    expect(sseMessage('tally', { a: 1 })).toBe('event: tally\ndata: {"a":1}\n\n')
  })

  it('renders the tally and subscribes to /events', () => {
    const html = renderResultPage({ optionA: 'Tea', optionB: '<Coffee>', tally: computeTally([{ vote: 'a', count: 1 }]) })
    expect(html).toContain('<div class="percent" id="percent-a">100%</div>')
    expect(html).toContain('&#60;Coffee&#62;')
    expect(html).toContain("new EventSource('/events')")
    expect(html).toContain('<p class="count" id="count">1 vote</p>')
    expect(voteCount(0)).toBe('0 votes')
  })

  it('has defaults for every setting', () => {
    expect(loadConfig({})).toMatchObject({ port: 8080, pollIntervalMs: 1000, optionA: 'Cats', postgres: { host: 'db' } })
    expect(() => loadConfig({ POLL_INTERVAL_MS: '10' })).toThrow('POLL_INTERVAL_MS must be between 50 and 60000')
  })
})
