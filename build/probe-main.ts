/**
 * The pipeline probe's main: built into a small binary by `npm run build -- --probe`
 * and run by tests/binary/sea-probe.test.ts. Prints the selftest as JSON;
 * `probe serve <port>` also answers /monaco/<path> from the packed Monaco.
 */
import http from 'node:http'
import { seaSelftest, serveMonaco, isSea } from '../server/sea/index'
import { openSqlite } from '../server/dal/drivers'

export async function main(argv: string[]): Promise<void> {
  if (argv[0] === 'serve') {
    const db = openSqlite(argv[2] ?? ':memory:')
    db.exec('CREATE TABLE IF NOT EXISTS hits (id INTEGER PRIMARY KEY, at TEXT)')
    const server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://x')
      if (url.pathname.startsWith('/monaco/')) return serveMonaco(req, res, decodeURIComponent(url.pathname.slice(8)))
      db.prepare('INSERT INTO hits (at) VALUES (?)').run([new Date().toISOString()])
      const n = ((db.prepare('SELECT count(*) AS n FROM hits').all([]) as Array<{ n: number }>)[0]!).n
      res.setHeader('Content-Type', 'application/json')
      res.end(JSON.stringify({ sea: isSea(), hits: n }))
    })
    server.listen(Number(argv[1] ?? 0), '127.0.0.1', () => {
      console.log(`listening ${(server.address() as { port: number }).port}`)
    })
    return
  }
  const report = await seaSelftest()
  console.log(JSON.stringify(report))
  process.exitCode = report.ok ? 0 : 1
}
