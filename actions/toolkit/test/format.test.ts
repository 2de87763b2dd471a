import { describe, expect, it } from 'vitest'
import { formatBytes } from '../src/format'

describe('formatBytes', () => {
  it('uses binary units with one decimal below ten', () => {
    expect([formatBytes(10), formatBytes(512), formatBytes(2048), formatBytes(1536)]).toEqual(['10 B', '512 B', '2.0 KiB', '1.5 KiB'])
    expect([formatBytes(15 * 1024 * 1024), formatBytes(50 * 1024 * 1024), formatBytes(3 * 1024 ** 4)]).toEqual(['15 MiB', '50 MiB', '3072 GiB'])
  })
})
