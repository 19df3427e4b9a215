import http from 'node:http'
import autocannon from 'autocannon'
import { startQuark } from './server/cli'
async function main() {
  const s = await startQuark({ folder: '/tmp/qkb', port: 0, https: false, quiet: true })
  const bare = http.createServer((q, r) => { r.setHeader('Content-Type', 'text/html; charset=utf-8'); r.end('Hello World') }).listen(0)
  await new Promise((r) => setTimeout(r, 200))
  const bp = (bare.address() as any).port
  for (const round of [1, 2]) {
    const a = await autocannon({ url: s.url + '/welcome/default/hello', connections: 20, duration: 4 })
    const b = await autocannon({ url: `http://127.0.0.1:${bp}/`, connections: 20, duration: 4 })
    console.log(round, 'quark', a.requests.average, 'bare', b.requests.average, 'ratio', (a.requests.average / b.requests.average).toFixed(2))
  }
  await s.close(); bare.close()
}
main()
