// host[:port] in one place: how it splits (IPv6 in brackets, ports), the host name of it, and
// which hosts are loopback. image-ref.ts and http.ts both rely on these answers.
import { describe, expect, it } from 'vitest'
import { hostName, isLoopbackHost, splitHostPort } from '../src/host-port'

describe('splitHostPort', () => {
  it.each([
    ['contoso.azurecr.io', { host: 'contoso.azurecr.io' }],
    ['localhost:5000', { host: 'localhost', port: '5000' }],
    ['[::1]', { host: '[::1]' }],
    ['[::1]:5000', { host: '[::1]', port: '5000' }],
    ['[fe80::1]:443', { host: '[fe80::1]', port: '443' }],
    // The port is left to the caller to check: empty or not a number still splits.
    ['host:', { host: 'host', port: '' }],
    ['host:http', { host: 'host', port: 'http' }],
    [':5000', { host: '', port: '5000' }],
  ])('splits %j', (text, expected) => {
    expect(splitHostPort(text)).toEqual(expected)
  })

  it.each(['[::1', '[::1]5000', '[::1]x', 'a:1:2', '[::1]:1:2', '::1'])('refuses %j: not host[:port]', (text) => {
    expect(splitHostPort(text)).toBeUndefined()
  })
})

describe('hostName', () => {
  it('takes the host name of host[:port], IPv6 in its brackets', () => {
    expect(['contoso.azurecr.io', 'localhost:5000', '[::1]:5000', '[::1]'].map(hostName)).toEqual(['contoso.azurecr.io', 'localhost', '[::1]', '[::1]'])
  })

  it('is empty for text that is not host[:port], so it names no host', () => {
    expect(['[::1', '[::1]x', 'a:1:2', '::1'].map(hostName)).toEqual(['', '', '', ''])
  })
})

describe('isLoopbackHost', () => {
  it('knows loopback hosts, with and without ports', () => {
    expect(['localhost', 'localhost:5000', '127.0.0.1:5001', '127.1.2.3', '[::1]:5000', 'LOCALHOST'].map(isLoopbackHost)).toEqual([true, true, true, true, true, true])
    expect(['contoso.azurecr.io', '10.0.0.1:5000', 'localhost.example.com', '127.0.0.1.nip.io'].map(isLoopbackHost)).toEqual([false, false, false, false])
  })

  it('is false for a loopback name followed by more than a port', () => {
    expect(['[::1]x', '127.0.0.1:1:2', '[::1'].map(isLoopbackHost)).toEqual([false, false, false])
  })
})
