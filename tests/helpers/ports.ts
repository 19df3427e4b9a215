// A spare TCP port on 127.0.0.1: taken by the OS, then freed, for a child server (redis-server,
// slapd, a private PostgreSQL) that is told its port, or as a port nothing listens on.
import net from 'node:net'

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer()
    srv.on('error', reject)
    srv.listen(0, '127.0.0.1', () => { const p = (srv.address() as net.AddressInfo).port; srv.close(() => resolve(p)) })
  })
}

/** A port nothing listens on (a freed spare port): a refused connection, for "the server is down". */
export const deadPort = freePort
