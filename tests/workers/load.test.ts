// Workers under load (autocannon, 10 s): a rolling reload answers every request (0 errors, 0
// non-2xx); a worker SIGKILLed mid-load is replaced and only the requests it held fail.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawn } from 'node:child_process'
import autocannon, { type AutocannonResult } from 'autocannon'
import { poll } from '../cli/helpers'
import { startCluster, workerPids, QUARK_JS } from './helpers'

const CONNECTIONS = 8

function load(url: string, seconds: number): Promise<AutocannonResult> {
  return autocannon({ url: `${url}/app/default/index`, connections: CONNECTIONS, duration: seconds, pipelining: 1, timeout: 20 })
}

test('a reload under load (autocannon 10 s, two workers) answers every request', { timeout: 180_000 }, async () => {
  const c = await startCluster(2)
  try {
    await c.pids(2)
    const primary = JSON.parse(fs.readFileSync(path.join(c.folder, 'quark.pid'), 'utf8')).pid as number
    const before = new Set(workerPids(primary))
    const running = load(c.url, 10)
    await new Promise((r) => setTimeout(r, 1500)) // the load is on
    // `quark reload` as an operator runs it, while the load goes on
    const reload = spawn(process.execPath, [QUARK_JS, 'reload', '-f', c.folder], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    reload.stdout.on('data', (d) => { out += d }); reload.stderr.on('data', (d) => { out += d })
    const code = await new Promise<number | null>((r) => reload.on('close', r))
    assert.equal(code, 0, out)
    const r = await running
    assert.ok(r.requests.total > 100, `the load ran (${r.requests.total} requests)`)
    assert.equal(r.errors, 0, `connection errors during the reload: ${r.errors}`)
    assert.equal(r.timeouts, 0, 'timeouts during the reload')
    assert.equal(r.non2xx, 0, 'non-2xx answers during the reload')
    const after = workerPids(primary)
    assert.equal(after.length, 2)
    for (const p of after) assert.ok(!before.has(p), 'every worker was replaced during the load')
  } finally { await c.stop() }
})

test('a worker SIGKILLed under load is replaced; only the requests it held fail', { timeout: 180_000 }, async () => {
  const c = await startCluster(2)
  try {
    await c.pids(2)
    const primary = JSON.parse(fs.readFileSync(path.join(c.folder, 'quark.pid'), 'utf8')).pid as number
    const [victim] = workerPids(primary)
    const running = load(c.url, 10)
    await new Promise((r) => setTimeout(r, 2000))
    process.kill(victim!, 'SIGKILL')
    await c.q.waitFor(new RegExp(`\\(pid ${victim}\\) was killed by SIGKILL`), 30_000)
    const r = await running
    // each connection holds at most one request (no pipelining): the killed worker held at most
    // its share of the CONNECTIONS, and a connection handed to it as it died fails too
    assert.ok(r.errors + r.timeouts <= CONNECTIONS, `failures beyond the killed worker's requests: ${r.errors} errors, ${r.timeouts} timeouts`)
    assert.equal(r.non2xx, 0, 'no error answers: the surviving worker served normally')
    assert.ok(r.requests.total > 100, `the load went on (${r.requests.total} requests)`)
    const replaced = await poll('a replacement worker', () => {
      const now = workerPids(primary)
      return now.length === 2 && !now.includes(victim!) ? now : undefined
    }, 60_000)
    assert.equal(replaced.length, 2)
    assert.equal((await c.get('/app/default/index')).body, 'hello')
  } finally { await c.stop() }
})
