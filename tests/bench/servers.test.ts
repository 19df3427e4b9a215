/**
 * The benchmark's process machinery against real servers: peers bundled and
 * started, memory read from /proc, a short autocannon load, a server that
 * dies reported instead of crashing, and a macro run that reports Quark
 * contenders as failed (with the reason) rather than stopping when a route
 * does not work.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { buildPeers, startPeer, benchCertificate } from './servers'
import { freePort, get, startProcess, stop, treeCpuMs, treeRss, waitReady } from './proc'
import { runLoad } from './load'
import { runMacro } from './macro'

test('peers: node:http and node:https (bench certificate) answer, have an RSS, stop', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-test-'))
  try {
    const bundles = await buildPeers(dir)
    const tls = await benchCertificate(dir, dir)
    assert.match(tls.source, /selfsigned/, 'no Quark certificate in an empty folder: one is made')
    const plain = await startPeer('node', bundles.node)
    const secure = await startPeer('node', bundles.node, tls)
    try {
      assert.equal(await waitReady(plain), null)
      assert.equal(await waitReady(secure), null)
      assert.equal((await get(plain.port, '/', false)).body, 'Hello World')
      assert.equal((await get(secure.port, '/', true)).body, 'Hello World')
      const cpuBefore = treeCpuMs(plain.child.pid!)!
      const rss = treeRss(plain.child.pid!)
      assert.ok(rss && rss > 10 * 2 ** 20 && rss < 1024 * 2 ** 20, `RSS ${rss}`)
      const r = await runLoad({ port: plain.port, path: '/', secure: false, seconds: 0.5, connections: 4 })
      assert.ok(r.rps > 20, `rps ${r.rps}`)
      assert.equal(r.non2xx, 0)
      assert.equal(r.errors, 0)
      assert.ok(treeCpuMs(plain.child.pid!)! > cpuBefore, 'serving the load used CPU time')
      await assert.rejects(runLoad({ port: plain.port, path: '/', secure: false, seconds: 0, connections: 4 }), /duration must be positive/)
    } finally {
      await stop(plain)
      await stop(secure)
    }
    assert.ok(plain.exited() && secure.exited())
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})

test('a server that exits at once is reported with its output, not waited for', async () => {
  const port = await freePort()
  const p = startProcess('broken', process.execPath, ['-e', 'console.error("boom: no such module"); process.exit(3)'], { port, https: false, cwd: os.tmpdir() })
  const why = await waitReady(p, 5000)
  assert.match(why ?? '', /exited before serving \(code 3\): boom: no such module/)
})

test('macro run: measured rows have medians, failing contenders carry a reason', async () => {
  const lines: string[] = []
  const m = await runMacro({ rounds: 1, seconds: 0.5, warmupSeconds: 0, connections: 4, only: ['node-http', 'quark-hello-http'], log: (l) => lines.push(l) })
  const node = m.rows.find((r) => r.contender.id === 'node-http')!
  assert.ok(node.rps! > 20, `node rps ${node.rps}`)
  assert.ok(node.rss! > 0)
  assert.ok(node.cpu! > 1 && node.cpu! < 100000, `server CPU per request ${node.cpu} µs`)
  const quark = m.rows.find((r) => r.contender.id === 'quark-hello-http')!
  // Quark is being built alongside: either it answered and was measured, or it is a failure with a reason.
  if (quark.rps === undefined) assert.ok(quark.failed && quark.failed.length > 5, `reason: ${quark.failed}`)
  else assert.equal(quark.failed, undefined)
  assert.equal(m.rows.length, 2)
})
