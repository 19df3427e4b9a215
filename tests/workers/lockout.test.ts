// The admin's login lock-out holds across processes: five wrong passwords spread over two `quark run`
// processes on one folder (each on its own port), or over the workers of `quark run --workers 2`, lock the
// address out in every process, even for the right password; a process started later finds it locked too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Quark } from '../cli/helpers'
import { site, startCluster, adminLogin, adminLoginForm, request, CLUSTER_APP } from './helpers'
import fs from 'node:fs'
import path from 'node:path'

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
