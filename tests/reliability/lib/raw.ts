/**
 * A raw HTTP exchange: bytes written as given over one TCP (or TLS)
 * connection, the answer read until the server closes, the status line
 * parsed. For requests no well-behaved client would send.
 */
import net from 'node:net'
import tls from 'node:tls'

export interface RawAnswer { status: number; head: string; body: string; closed: boolean; ms: number }

/** Expand the case notation: @BIG(n)@, @CHUNKED(text)@, then @CL@ (the length of what follows the blank line). */
export function expandRaw(raw: string): Buffer {
  let s = raw.replace(/@BIG\((\d+)\)@/g, (_, n) => 'a'.repeat(Number(n)))
  s = s.replace(/@CHUNKED\(([\s\S]*)\)@/, (_, text: string) => {
    const b = Buffer.from(text)
    let out = ''
    for (let i = 0; i < b.length; i += 8192) { const part = b.subarray(i, i + 8192); out += part.length.toString(16) + '\r\n' + part.toString('latin1') + '\r\n' }
    return out + '0\r\n\r\n'
  })
  const at = s.indexOf('\r\n\r\n')
  if (s.includes('@CL@') && at !== -1) {
    const bodyLen = Buffer.byteLength(s.slice(at + 4))
    s = s.replace('@CL@', String(bodyLen))
  }
  return Buffer.from(s, 'utf8')
}

export function rawExchange(o: { port: number; https?: boolean; data: Buffer; timeoutMs: number; finish?: boolean }): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const t0 = Date.now()
    const chunks: Buffer[] = []
    const socket = o.https ? tls.connect({ port: o.port, host: '127.0.0.1', rejectUnauthorized: false }) : net.connect({ port: o.port, host: '127.0.0.1' })
    let done = false
    const finish = (closed: boolean) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      const all = Buffer.concat(chunks).toString('latin1')
      const end = all.indexOf('\r\n\r\n')
      const head = end === -1 ? all : all.slice(0, end)
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(all)
      resolve({ status: m ? Number(m[1]) : 0, head, body: end === -1 ? '' : Buffer.from(all.slice(end + 4), 'latin1').toString('utf8'), closed, ms: Date.now() - t0 })
    }
    const timer = setTimeout(() => finish(false), o.timeoutMs)
    socket.on('data', (c: Buffer) => chunks.push(c))
    socket.on('end', () => finish(true))
    socket.on('close', () => finish(true))
    socket.on('error', () => finish(true))
    socket.write(o.data, () => { if (o.finish === false) return })
  })
}
