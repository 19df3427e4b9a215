// The bundle's plugins, checked on a small entry bundled exactly as the binary's
// (build/bundle.ts) and run with node: fast, no SEA needed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { bundle } from '../../build/bundle'
import { root } from './helpers'

test('heavy clients are loaded lazily and still work through the proxy (real PostgreSQL, MariaDB, Redis)', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bundle-'))
  try {
    const main = path.join(dir, 'main.ts')
    fs.writeFileSync(main, `
import pg from 'pg'
import mysql from 'mysql2/promise'
import { Redis } from 'ioredis'
import markedModule, { Marked } from 'marked'
// as server/html/markdown.ts does: a parser built at load
const md = new Marked({ gfm: true })
export async function main(argv: string[]): Promise<number> {
  // an unused client is never evaluated: its proxy has not loaded it
  // (esbuild's import interop reads __esModule: that must not load it either)
  if (argv[0] === 'idle') {
    const loaded = [pg, mysql, markedModule].map((m) => (m as unknown as Record<string, unknown>).__quarkLazyLoaded)
    console.log(JSON.stringify({ idle: true, loaded, undici: process.moduleLoadList.some((m) => /undici/.test(m)) }))
    return 0
  }
  const pool = new pg.Pool({ host: '127.0.0.1', user: 'postgres', database: 'postgres' })
  const r = await pool.query('SELECT $1::int + 2 AS n', [40]); await pool.end()
  const my = await mysql.createConnection({ host: '127.0.0.1', user: 'root' })
  const [rows] = await my.query('SELECT 6 * 7 AS n'); await my.end()
  const key = 'quark-bundle-test-' + process.pid
  const redis = new Redis('redis://127.0.0.1:6379'); await redis.set(key, 'ok'); const v = await redis.get(key); await redis.del(key); redis.disconnect()
  const html = md.parse('# Quark') as string
  console.log(JSON.stringify({ pg: r.rows[0].n, mysql: (rows as { n: number }[])[0]!.n, redis: v, html }))
  return 0
}
`)
    const out = path.join(dir, 'out.js')
    const meta = await bundle({ root, main, outfile: out })
    const js = fs.readFileSync(out, 'utf8')
    for (const p of ['pg', 'mysql2/promise', 'ioredis', 'marked']) assert.ok(Object.keys(meta.inputs).includes(`quark-lazy:${p}`), `${p} goes through the lazy proxy`)
    assert.ok(js.length > 100_000, 'the packages themselves are bundled')
    const run = (args: string[]) => spawnSync(process.execPath, [out, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 })
    const r = run([])
    assert.equal(r.status, 0, r.stdout + r.stderr)
    assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { pg: 42, mysql: 42, redis: 'ok', html: '<h1>Quark</h1>\n' })
    const idle = run(['idle'])
    assert.equal(idle.status, 0, idle.stderr)
    // pg's module evaluation builds a fetch Response (loading undici, ~25 ms): an idle start must not pay that;
    // nor marked's, though a Marked was constructed at load
    assert.deepEqual(JSON.parse(idle.stdout.trim()), { idle: true, loaded: [false, false, false], undici: false })
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
