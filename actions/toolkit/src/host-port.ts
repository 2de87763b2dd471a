// `host[:port]` as a registry reference or a URL writes it, an IPv6 address in brackets
// (`[::1]:5000`): how it splits, and which hosts are loopback. image-ref.ts checks a registry
// host with it, http.ts decides where plain http may go. Pure: no I/O.

export interface HostPort {
  /** The host, an IPv6 address kept in its brackets: `[::1]`. */
  host: string
  /** The text after the host's `:`, unchecked (may be empty); undefined without a `:`. */
  port?: string
}

/**
 * Splits `host[:port]` and `[v6]:port`; undefined when the text is not that shape: an unclosed
 * `[`, text after `]` that is not `:port`, or a second `:` outside brackets.
 */
export function splitHostPort(text: string): HostPort | undefined {
  let host = text
  let rest = ''
  if (text.startsWith('[')) {
    const end = text.indexOf(']')
    if (end < 0) return undefined
    host = text.slice(0, end + 1)
    rest = text.slice(end + 1)
    if (rest !== '' && !rest.startsWith(':')) return undefined
  } else {
    const colon = text.indexOf(':')
    if (colon >= 0) {
      host = text.slice(0, colon)
      rest = text.slice(colon)
    }
  }
  if (rest === '') return { host }
  const port = rest.slice(1)
  return port.includes(':') ? undefined : { host, port }
}

/** The host of `host[:port]`, an IPv6 address kept in its brackets (`[::1]:5000` -> `[::1]`); '' when it is not that shape. */
export function hostName(text: string): string {
  return splitHostPort(text)?.host ?? ''
}

/** localhost, 127.0.0.0/8 or [::1], with or without a port. */
export function isLoopbackHost(host: string): boolean {
  const name = hostName(host)
  return name.toLowerCase() === 'localhost' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) || name === '[::1]'
}
