// The admin's login lock-out holds across processes: five wrong passwords spread over two `quark run`
// processes on one folder (each on its own port), or over the workers of `quark run --workers 2`, lock the
// address out in every process, even for the right password; a process started later finds it locked too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Quark } from '../cli/helpers'
import { site, startCluster, adminLogin, adminLoginForm, request, CLUSTER_APP } from './helpers'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { LoginLockout } from '../../server/adminlib/index'

const PASSWORD = 'Lockout-admin-password-1'

/** `quark run` (one process) on the folder of `s`, as a user starts a second server on the same site. */
async function startPlain(s: ReturnType<typeof site>): Promise<{ q: Quark; url: string }> {
  const q = new Quark(s, ['run', '--no-https', '-p', '0', '--no-browser', '-q', '--password', PASSWORD])
  const url = (await q.waitFor(/Quark serving \S+ at (http:\/\/[^/\s]+)\//))[1]!
  return { q, url }
}

async function stop(q: Quark): Promise<void> {
  if (!q.done) { q.signalGroup('SIGTERM'); await Promise.race([q.exited, new Promise((r) => setTimeout(r, 20_000))]) }
  await q.kill()
}

test('five wrong passwords over two processes on one folder lock the admin out in both, and in a process started later', { timeout: 240_000 }, async () => {
  const s = site()
  const app = path.join(s.dir, 'applications', 'app', 'controllers')
  fs.mkdirSync(app, { recursive: true })
  fs.writeFileSync(path.join(app, 'default.ts'), CLUSTER_APP['controllers/default.ts']!)
  const procs: Quark[] = []
  try {
    const a = await startPlain(s); procs.push(a.q)
    const b = await startPlain(s); procs.push(b.q)
    assert.notEqual(a.url, b.url, 'two processes, two ports')
    // each process has its own admin sessions (no --workers): a form from each
    const forms = { [a.url]: await adminLoginForm(a.url), [b.url]: await adminLoginForm(b.url) }
    const order = [a.url, b.url, a.url, b.url]
    for (let i = 0; i < order.length; i++) {
      const url = order[i]!
      const r = await adminLogin(url, 'wrong-password', forms[url])
      assert.equal(r.status, 401, `attempt ${i + 1}`)
      // the count left is the sum over both processes
      assert.match(r.body, new RegExp(`${4 - i} attempts? left before a lock-out`), `attempt ${i + 1} on ${url === a.url ? 'A' : 'B'}`)
    }
    const fifth = await adminLogin(a.url, 'wrong-password', forms[a.url])
    assert.equal(fifth.status, 429)
    // B never saw five failures itself: it is locked by what A counted
    for (const url of [b.url, a.url]) {
      const right = await adminLogin(url, PASSWORD, forms[url])
      assert.equal(right.status, 429, `the right password on ${url === a.url ? 'A' : 'B'} is refused while locked`)
      assert.match(right.body, /locked for 10 more minutes/)
      assert.equal((await request(url, '/admin/default/index')).status, 303, 'and nothing logged in')
    }
    // a restart does not hand out five more tries
    await stop(b.q)
    const c = await startPlain(s); procs.push(c.q)
    const page = await adminLoginForm(c.url)
    assert.equal(page.page.status, 429, 'a process started on the folder later finds the address locked')
    assert.equal((await adminLogin(c.url, PASSWORD, page)).status, 429)
  } finally {
    for (const q of procs) await stop(q)
    s.cleanup()
  }
})

test('five wrong passwords spread over the workers of --workers 2 lock the admin out in both workers', { timeout: 240_000 }, async () => {
  const c = await startCluster(2, ['--password', PASSWORD])
  try {
    await c.pids(2)
    // the admin's sessions are shared by the workers: one form serves every attempt, whichever worker takes it
    const form = await adminLoginForm(c.url)
    for (let i = 0; i < 4; i++) {
      const r = await adminLogin(c.url, 'wrong-password', form)
      assert.equal(r.status, 401, `attempt ${i + 1}`)
      assert.match(r.body, new RegExp(`${4 - i} attempts? left`), `attempt ${i + 1}: counted over both workers`)
    }
    assert.equal((await adminLogin(c.url, 'wrong-password', form)).status, 429)
    // each request on a new connection: the primary hands them to both workers in turn
    for (let i = 0; i < 8; i++) {
      const r = await adminLogin(c.url, PASSWORD, form)
      assert.equal(r.status, 429, `request ${i}: the right password is refused by every worker while locked`)
    }
  } finally { await c.stop() }
})

test('the shared store: two LoginLockouts on one folder count together; the lock runs out, a success clears it for both; damaged lines are skipped', () => {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'quark-lockout-')), 'quark-admin-lockout')
  try {
    let now = 1_000_000
    const a = new LoginLockout({ now: () => now, lockMs: 60_000, windowMs: 300_000 })
    const b = new LoginLockout({ now: () => now, lockMs: 60_000, windowMs: 300_000 })
    a.shareThrough(dir); b.shareThrough(dir)
    assert.ok(!fs.existsSync(dir), 'nothing is written before a failure')
    assert.equal(a.fail('::ffff:10.0.0.1'), 0)
    assert.equal(b.remaining('::ffff:10.0.0.1'), 4, 'B sees the failure A counted')
    assert.equal((fs.statSync(dir).mode & 0o777).toString(8), '700')
    for (let i = 0; i < 3; i++) assert.equal((i % 2 ? a : b).fail('::ffff:10.0.0.1'), 0)
    assert.equal(b.fail('::ffff:10.0.0.1'), 60_000, 'the fifth failure, wherever it lands, locks')
    assert.equal(a.lockedFor('::ffff:10.0.0.1'), 60_000)
    assert.equal(a.lockedFor('10.0.0.2'), 0, 'another address is not locked')
    // a damaged file (a torn or hostile line) does not unlock it or throw
    const file = path.join(dir, fs.readdirSync(dir)[0]!)
    fs.appendFileSync(file, 'garbage\n\nNaN\n')
    assert.equal(b.lockedFor('::ffff:10.0.0.1'), 60_000)
    now += 60_001
    assert.equal(b.lockedFor('::ffff:10.0.0.1'), 0, 'the lock runs out')
    assert.equal(a.remaining('::ffff:10.0.0.1'), 5, 'and the count starts afresh')
    // a failure outside the window starts a new count
    a.fail('10.0.0.3'); now += 300_001
    assert.equal(b.remaining('10.0.0.3'), 5)
    b.fail('10.0.0.3')
    assert.equal(a.remaining('10.0.0.3'), 4)
    // a success in one process clears the count for the other
    a.succeed('10.0.0.3')
    assert.equal(b.remaining('10.0.0.3'), 5)
    // the folder removed under a running server: counting goes on
    fs.rmSync(dir, { recursive: true, force: true })
    assert.equal(a.fail('10.0.0.4'), 0)
    assert.equal(b.remaining('10.0.0.4'), 4)
  } finally { fs.rmSync(path.dirname(dir), { recursive: true, force: true }) }
})
