/**
 * Issue 20: the CPU of one request's session work (load + one change + save) in this process, for
 * each session store, as an action sees it: the file store, the database store on SQLite,
 * PostgreSQL and MySQL, Redis, and the encrypted cookie. The servers' own CPU is not counted
 * (only this JavaScript thread's), so the figures compare what each store costs a worker.
 * A store whose server is not reachable is reported as skipped.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { measure, result, skipped, importRoom, type MicroResult } from './measure'

const STORES: { id: string; name: string; config: (tag: string) => Record<string, unknown>; setup?: (tag: string) => Promise<() => Promise<void>> }[] = [
  { id: 'file', name: 'files', config: () => ({ store: 'file' }) },
  { id: 'sqlite', name: 'database (SQLite)', config: () => ({ store: 'database', uri: 'sqlite://sessions.sqlite' }) },
  { id: 'postgres', name: 'database (PostgreSQL)', config: (tag) => ({ store: 'database', uri: 'postgres://postgres@127.0.0.1:5432/postgres', table: `qk_session_${tag}` }),
    setup: async (tag) => async () => {
      const { Client } = require('pg') as typeof import('pg')
      const c = new Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' })
      await c.connect(); await c.query(`DROP TABLE IF EXISTS qk_session_${tag}`); await c.end()
    } },
  { id: 'mysql', name: 'database (MySQL)', config: (tag) => ({ store: 'database', uri: `mysql://root@127.0.0.1:3306/qk_bench_${tag}` }),
    setup: async (tag) => {
      const mysql = require('mysql2/promise') as typeof import('mysql2/promise')
      const c = await mysql.createConnection({ host: '127.0.0.1', user: 'root' })
      await c.query(`CREATE DATABASE qk_bench_${tag}`); await c.end()
      return async () => { const d = await mysql.createConnection({ host: '127.0.0.1', user: 'root' }); await d.query(`DROP DATABASE IF EXISTS qk_bench_${tag}`); await d.end() }
    } },
  { id: 'redis', name: 'Redis', config: (tag) => ({ store: 'redis', url: 'redis://127.0.0.1:6379/0', prefix: `quark:bench:${tag}:` }) },
  { id: 'cookie', name: 'cookie (AES-256-GCM)', config: () => ({ store: 'cookie', secrets: ['bench secret of at least 16 chars'] }) },
]

export async function sessionStoreMicros(o: { runMs?: number } = {}): Promise<MicroResult[]> {
  const room = await importRoom('session')
  if (!room.mod) return [skipped('session-stores', 'session stores', room.why!)]
  const session = room.mod
  const out: MicroResult[] = []
  const tag = `${process.pid}_${Date.now().toString(36)}`
  for (const s of STORES) {
    const id = `session-${s.id}`
    const label = `session load + save, ${s.name}`
    const app = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-bench-session-'))
    let cleanup: (() => Promise<void>) | undefined
    try {
      fs.mkdirSync(path.join(app, 'private'))
      fs.mkdirSync(path.join(app, 'databases'))
      fs.writeFileSync(path.join(app, 'private', 'session.json'), JSON.stringify(s.config(tag)))
      cleanup = s.setup ? await s.setup(tag) : undefined
      // the first request makes the session; each measured one loads it, changes it, saves it
      const first = await session.loadSession(app, undefined)
      first.n = 0
      let cookie = (await session.saveSession(app, first)).setCookie as string | undefined
      if (!cookie) throw new Error('the store set no cookie')
      const op = async () => {
        const x = await session.loadSession(app, cookie)
        x.n = (x.n ?? 0) + 1
        const r = await session.saveSession(app, x)
        if (r.setCookie) cookie = r.setCookie
      }
      const us = await measure(op, { runMs: o.runMs ?? 1000, warmupMs: Math.min(300, o.runMs ?? 300) })
      const check = await session.loadSession(app, cookie)
      const n = check.n
      session.releaseSession(check)
      out.push(result(id, label, us, { note: `the session counted ${n} saves` }))
    } catch (e) {
      out.push(skipped(id, label, String((e as Error).message).split('\n')[0]!.slice(0, 160)))
    } finally {
      await session.closeSessionStores?.().catch(() => {})
      await cleanup?.().catch(() => {})
      fs.rmSync(app, { recursive: true, force: true })
    }
  }
  return out
}
