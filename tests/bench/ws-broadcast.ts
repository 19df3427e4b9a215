/**
 * Websocket broadcast throughput (issue 23): 100 `ws` clients subscribed to
 * one channel of a real `quark run`; one more client asks the server to
 * broadcast N small messages (in batches of 100); the clock runs from the
 * request until every client has all N. Reported: broadcasts/s and
 * deliveries/s (messages received by all clients together per second).
 * Two configurations: one process (in-process channels) and `--workers 2`
 * with the channels through Redis (the clients spread over both workers).
 *
 *   node --import tsx tests/bench/ws-broadcast.ts [--messages 2000] [--clients 100] [--rounds 3]
 */
import fs from 'node:fs'
import path from 'node:path'
import WebSocket from 'ws'
import { Quark } from '../cli/helpers'
import { site } from '../workers/helpers'

const APP = `
export const feed = websocket({ maxBuffered: 64 * 1024 * 1024, async open(ws) { await ws.subscribe('bench'); ws.send('ready ' + process.pid) } })
export const pump = websocket({
  async message(ws, text) {
    const n = Number(text)
    for (let i = 0; i < n; i += 100) {
      const batch = []
      for (let j = i; j < Math.min(n, i + 100); j++) batch.push(broadcast('bench', 'm' + j))
      await Promise.all(batch)
    }
    ws.send('sent')
  },
})
`

export interface WsBroadcastRow { label: string; workers: number; clients: number; messages: number; broadcastsPerSec: number; deliveriesPerSec: number; processes: number }

function median(xs: number[]): number { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]! }

async function startSite(workers: number, redis: boolean): Promise<{ q: Quark; url: string; cleanup(): Promise<void> }> {
  const s = site()
  const app = path.join(s.dir, 'applications', 'bench')
  fs.mkdirSync(path.join(app, 'controllers'), { recursive: true })
  fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), APP)
  if (redis) fs.writeFileSync(path.join(s.dir, 'applications', 'realtime.json'), JSON.stringify({ redis: 'redis://127.0.0.1:6379/0' }))
  const q = new Quark(s, ['run', ...(workers > 1 ? ['--workers', String(workers)] : []), '--no-https', '-p', '0', '--no-browser', '-q'])
  const url = (await q.waitFor(/Quark serving \S+ at (http:\/\/[^/\s]+)\//))[1]!
  return {
    q, url,
    async cleanup() {
      if (!q.done) { q.signalGroup('SIGTERM'); await Promise.race([q.exited, new Promise((r) => setTimeout(r, 20_000))]) }
      await q.kill()
      s.cleanup()
    },
  }
}

interface Client { ws: WebSocket; pid: string; count: number }

function connect(url: string, onMessage: (c: Client) => void): Promise<Client> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url.replace(/^http/, 'ws') + '/bench/default/feed')
    const c: Client = { ws, pid: '', count: 0 }
    ws.on('message', (d) => {
      const m = String(d)
      if (!c.pid) { c.pid = m.slice(6); resolve(c) } else { c.count++; onMessage(c) }
    })
    ws.once('error', reject)
  })
}

async function measure(label: string, workers: number, redis: boolean, clients: number, messages: number, rounds: number, log: (l: string) => void): Promise<WsBroadcastRow> {
  const srv = await startSite(workers, redis)
  try {
    let target = messages
    let done: (() => void) | undefined
    let complete = 0
    const all: Client[] = []
    const onMessage = (c: Client) => { if (c.count === target && ++complete === all.length) done?.() }
    for (let i = 0; i < clients; i++) all.push(await connect(srv.url, onMessage))
    const pids = new Set(all.map((c) => c.pid))
    const pump = new WebSocket(srv.url.replace(/^http/, 'ws') + '/bench/default/pump')
    await new Promise((r, j) => { pump.once('open', r); pump.once('error', j) })
    const rates: number[] = []
    for (let round = 0; round < rounds + 1; round++) {
      for (const c of all) c.count = 0
      complete = 0
      target = round === 0 ? Math.min(200, messages) : messages // round 0 warms up
      const t0 = process.hrtime.bigint()
      const finished = new Promise<void>((r) => { done = r })
      pump.send(String(target))
      await finished
      const secs = Number(process.hrtime.bigint() - t0) / 1e9
      if (round > 0) rates.push(target / secs)
    }
    pump.close()
    for (const c of all) c.ws.close()
    const b = median(rates)
    const row = { label, workers, clients, messages, broadcastsPerSec: Math.round(b), deliveriesPerSec: Math.round(b * clients), processes: pids.size }
    log(`${label}: ${row.broadcastsPerSec} broadcasts/s, ${row.deliveriesPerSec} deliveries/s to ${clients} clients on ${pids.size} process(es)`)
    return row
  } finally {
    await srv.cleanup()
  }
}

export async function runWsBroadcast(o: { clients?: number; messages?: number; rounds?: number; log?: (l: string) => void } = {}): Promise<WsBroadcastRow[]> {
  const clients = o.clients ?? 100
  const messages = o.messages ?? 2000
  const rounds = o.rounds ?? 3
  const log = o.log ?? ((l: string) => console.log(l))
  return [
    await measure('one process, in-process channels', 1, false, clients, messages, rounds, log),
    await measure('--workers 2, channels through Redis', 2, true, clients, messages, rounds, log),
  ]
}

export function wsBroadcastMarkdown(rows: WsBroadcastRow[]): string {
  const lines = ['| websocket broadcast (issue 23) | clients | processes holding clients | broadcasts/s | deliveries/s |', '| --- | --: | --: | --: | --: |']
  for (const r of rows) lines.push(`| ${r.label} | ${r.clients} | ${r.processes} | ${r.broadcastsPerSec} | ${r.deliveriesPerSec} |`)
  return lines.join('\n')
}

if (typeof __filename !== 'undefined' && process.argv[1] && path.resolve(process.argv[1]) === path.resolve(__filename)) {
  const arg = (name: string) => { const i = process.argv.indexOf(name); return i > 0 ? Number(process.argv[i + 1]) : undefined }
  runWsBroadcast({ clients: arg('--clients'), messages: arg('--messages'), rounds: arg('--rounds') })
    .then((rows) => { console.log('\n' + wsBroadcastMarkdown(rows)); process.exit(0) }, (e) => { console.error(e); process.exit(1) })
}
