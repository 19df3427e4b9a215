// The web shell over the admin's WebSocket (/admin/live?shell=<app>) against a real server: refused
// without the admin session, the CSRF token or a real app; the welcome app's
// models run; top-level await and names kept between commands; Rows as a
// table; a transaction per command committed or rolled back; a command that
// throws rolled back at once; one that loops stopped (by the user and by the
// time limit); huge output truncated.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import WebSocket from 'ws'
import { startAdminServer, loggedIn } from './helpers'
import type { TestServer } from '../helpers/server'

let s: TestServer
let cookie: string
let csrf: string

before(async () => {
  s = await startAdminServer()
  const l = await loggedIn(s)
  csrf = l.csrf
  cookie = Object.entries(l.agent.jar).map(([k, v]) => `${k}=${v}`).join('; ')
})
after(async () => { await s?.stop() })

const wsUrl = (q: string) => `${s.url.replace(/^http/, 'ws')}/admin/live?${q}`

/** The HTTP status an upgrade is refused with (0 if it was accepted). */
function refusal(q: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(q), { headers, rejectUnauthorized: false })
    ws.on('unexpected-response', (_req, res) => { resolve(res.statusCode ?? -1); ws.terminate() })
    ws.on('open', () => { resolve(0); ws.close() })
    ws.on('error', (e) => { if (!/Unexpected server response/.test(e.message)) reject(e) })
  })
}

class Shell {
  private queue: any[] = []
  private waiting: Array<(m: any) => void> = []
  constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      const m = JSON.parse(String(d))
      const w = this.waiting.shift()
      if (w) w(m); else this.queue.push(m)
    })
  }
  static async open(): Promise<Shell> {
    // the admin's sockets are attached just after the server listens: poll until the upgrade is ours
    const deadline = Date.now() + 30000
    for (;;) {
      const ws = new WebSocket(wsUrl(`shell=welcome&csrf=${encodeURIComponent(csrf)}`), { headers: { cookie }, rejectUnauthorized: false })
      const ok = await new Promise<boolean>((resolve) => { ws.once('open', () => resolve(true)); ws.once('error', () => resolve(false)) })
      if (ok) {
        const sh = new Shell(ws)
        const ready = await sh.next(60000)
        assert.equal(ready.type, 'ready', JSON.stringify(ready))
        return sh
      }
      assert.ok(Date.now() < deadline, 'the shell socket answers')
      await new Promise((r) => setTimeout(r, 300))
    }
  }
  next(ms = 60000): Promise<any> {
    const m = this.queue.shift()
    if (m) return Promise.resolve(m)
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no message from the shell')), ms)
      this.waiting.push((x) => { clearTimeout(t); resolve(x) })
    })
  }
  /** the next message of one of these types (others, e.g. 'running', are skipped) */
  async until(...types: string[]): Promise<any> {
    for (;;) { const m = await this.next(); if (types.includes(m.type)) return m }
  }
  async run(code: string, timeout?: number): Promise<any> {
    this.ws.send(JSON.stringify({ type: 'run', code, timeout }))
    return this.until('result', 'stopped', 'error')
  }
  async decide(action: 'commit' | 'rollback'): Promise<any> {
    this.ws.send(JSON.stringify({ type: action }))
    return this.until('done', 'error')
  }
  close(): void { this.ws.close() }
}

test('refused without the admin session, without the CSRF token, from another origin, or for no app', async () => {
  assert.equal(await refusal(`shell=welcome&csrf=${csrf}`, {}), 403, 'no session')
  assert.equal(await refusal('shell=welcome', { cookie }), 403, 'no CSRF token')
  assert.equal(await refusal('shell=welcome&csrf=wrong', { cookie }), 403, 'a wrong CSRF token')
  assert.equal(await refusal(`shell=welcome&csrf=${csrf}`, { cookie, origin: 'https://evil.example' }), 403, 'a foreign page')
  assert.equal(await refusal(`shell=nosuchapp&csrf=${csrf}`, { cookie }), 404)
  assert.equal(await refusal(`shell=..%2Fadmin&csrf=${csrf}`, { cookie }), 404)
  assert.equal(await refusal('shell=nosuchapp', {}), 403, 'a stranger learns nothing about the apps')
})

test('models, top-level await, names kept, Rows as a table, commit and roll back', async () => {
  const sh = await Shell.open()
  try {
    let r = await sh.run('await db(db.auth_user).count()')
    assert.equal(r.ok, true, r.error)
    assert.equal(r.value, '0')
    assert.equal(r.pending, true, 'its transaction waits for a decision')
    const refused = await sh.run('1 + 1')
    assert.equal(refused.type, 'error')
    assert.match(refused.message, /commit or roll back/)
    assert.equal((await sh.decide('rollback')).type, 'done')
    // an insert rolled back is gone
    r = await sh.run("const id = await db.auth_user.insert({ first_name: 'Ann', last_name: 'Lee', email: 'ann@example.com' })\nconsole.log('inserted', id)\nid")
    assert.equal(r.ok, true, r.error)
    assert.match(r.output, /^inserted \d+$/)
    await sh.decide('rollback')
    r = await sh.run('await db(db.auth_user).count()')
    assert.equal(r.value, '0', 'the insert was rolled back')
    await sh.decide('rollback')
    // one committed stays, and is seen from the app's own requests
    r = await sh.run("await db.auth_user.insert({ first_name: 'Bob', last_name: 'Ray', email: 'bob@example.com' })")
    assert.equal(r.ok, true, r.error)
    assert.deepEqual(await sh.decide('commit'), { type: 'done', action: 'commit' })
    r = await sh.run('const rows = await db(db.auth_user).select(db.auth_user.id, db.auth_user.first_name, db.auth_user.email)\nrows')
    assert.equal(r.ok, true, r.error)
    assert.deepEqual(r.table.columns, ['auth_user.id', 'auth_user.first_name', 'auth_user.email'])
    assert.deepEqual(r.table.rows.map((x: string[]) => x.slice(1)), [['Bob', 'bob@example.com']])
    await sh.decide('rollback')
    // a name declared by one command (with await) is there for the next
    r = await sh.run('const n: number = await Promise.resolve(20)\nconst m = n + 1')
    assert.equal(r.ok, true, r.error)
    await sh.decide('rollback')
    r = await sh.run('rows.length * 100 + m')
    assert.equal(r.value, '121')
    await sh.decide('commit')
  } finally { sh.close() }
})

test('a command that throws is shown and rolled back at once; bad TypeScript is a syntax error', async () => {
  const sh = await Shell.open()
  try {
    let r = await sh.run("await db.auth_user.insert({ first_name: 'Zed', email: 'z@example.com' })\nthrow new Error('changed my mind')")
    assert.equal(r.ok, false)
    assert.match(r.error, /Error: changed my mind/)
    assert.equal(r.pending, false, 'nothing to decide')
    r = await sh.run("await db(db.auth_user.email.eq('z@example.com')).count()")
    assert.equal(r.value, '0', 'the insert of the failed command was rolled back')
    await sh.decide('rollback')
    r = await sh.run('const = 1')
    assert.equal(r.ok, false)
    assert.match(r.error, /SyntaxError/)
    r = await sh.run('nosuchname + 1')
    assert.equal(r.ok, false)
    assert.match(r.error, /ReferenceError: nosuchname is not defined/)
    const none = await sh.decide('commit')
    assert.equal(none.type, 'error')
    assert.match(none.message, /no transaction is waiting/)
  } finally { sh.close() }
})

test('a loop is stopped by the user and by the time limit; the shell starts again', async () => {
  const sh = await Shell.open()
  try {
    sh.ws.send(JSON.stringify({ type: 'run', code: 'while (true) {}', timeout: 600 }))
    assert.equal((await sh.until('running')).type, 'running')
    const busy = await sh.run('1')
    assert.equal(busy.type, 'error')
    assert.match(busy.message, /a command is running/)
    sh.ws.send(JSON.stringify({ type: 'stop' }))
    const stopped = await sh.until('stopped')
    assert.match(stopped.reason, /stopped by you; its transaction was rolled back and the shell restarted/)
    assert.equal((await sh.until('ready')).type, 'ready')
    const timed = await sh.run('for (;;) {}', 2)
    assert.equal(timed.type, 'stopped')
    assert.match(timed.reason, /ran longer than 2 s/)
    await sh.until('ready')
    const r = await sh.run('6 * 7')
    assert.equal(r.value, '42', 'a fresh shell answers')
    await sh.decide('rollback')
    const nothing = await (async () => { sh.ws.send(JSON.stringify({ type: 'stop' })); return sh.until('error') })()
    assert.match(nothing.message, /nothing is running/)
  } finally { sh.close() }
})

test('huge output is truncated; junk messages get an error', async () => {
  const sh = await Shell.open()
  try {
    let r = await sh.run("for (let i = 0; i < 100000; i++) console.log('line', i)\n'x'.repeat(1000000)")
    assert.equal(r.ok, true)
    assert.ok(r.output.length < 70 * 1024, `output cut (${r.output.length})`)
    assert.ok(r.value.length < 70 * 1024, `value cut (${r.value.length})`)
    assert.match(r.value, /output truncated/)
    await sh.decide('rollback')
    sh.ws.send('not json')
    assert.match((await sh.until('error')).message, /messages are JSON/)
    sh.ws.send(JSON.stringify({ type: 'run', code: '   ' }))
    assert.match((await sh.until('error')).message, /nothing to run/)
    sh.ws.send(JSON.stringify({ type: 'run', code: 'x'.repeat(200_000) }))
    assert.match((await sh.until('error')).message, /at most/)
    r = await sh.run('1')
    assert.equal(r.value, '1')
  } finally { sh.close() }
})
