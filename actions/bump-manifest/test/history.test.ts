import { describe, expect, it } from 'vitest'
import { parseDeployLog } from '../src/history'

// What `git log --format=%H%x1f%(trailers:only,unfold)%x1e` prints for one commit.
const entry = (commit: string, image = 'r.io/vote:sha-1a2b3c4'): string => `${commit}\x1fImage: ${image}\nPrevious-Image: r.io/vote:sha-0000000\n\x1e\n`
const hex = (n: number): string => '0123456789abcdef'.repeat(5).slice(0, n)

describe('parseDeployLog', () => {
  it('reads the trailers of commits named in full, SHA-1 or SHA-256', () => {
    const records = parseDeployLog(entry(hex(40)) + entry(hex(64), 'r.io/vote:1.2.0'))
    expect(records).toEqual([
      { commit: hex(40), image: 'r.io/vote:sha-1a2b3c4', previous: ['r.io/vote:sha-0000000'] },
      { commit: hex(64), image: 'r.io/vote:1.2.0', previous: ['r.io/vote:sha-0000000'] },
    ])
  })

  it('skips an entry whose commit is not a full name: no length between SHA-1 and SHA-256', () => {
    for (const n of [7, 39, 41, 52, 63, 65]) expect(parseDeployLog(entry(hex(n))), `${n} digits`).toEqual([])
    expect(parseDeployLog(entry(hex(40).toUpperCase()))).toEqual([])
  })

  it('skips commits without an Image trailer', () => {
    expect(parseDeployLog(`${hex(40)}\x1fSource-Commit: ${hex(40)}\n\x1e\n`)).toEqual([])
  })
})
