// `quark run --workers N` with real processes: N workers share the port, a killed worker is
// replaced (and its crash logged), `quark reload` replaces every worker, SIGTERM drains, the admin's
// login and a file saved in its editor hold in every worker, cron's in-process runner runs in one.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { poll } from '../cli/helpers'
import { startCluster, request, workerPids, QUARK_JS, CLUSTER_APP } from './helpers'

const ADMIN_PASSWORD = 'Cluster-admin-password-1'

test('two workers share one port; a SIGKILLed worker is replaced and its crash logged; quark reload replaces both', { timeout: 240_000 }, async () => {
  const c = await startCluster(2)
  try {
    const first = await c.pids(2)
    assert.equal(first.size, 2, 'two distinct processes answer on the one port')
    const record = JSON.parse(fs.readFileSync(path.join(c.folder, 'quark.pid'), 'utf8'))
    assert.equal(record.workers, 2)
    assert.deepEqual(new Set(workerPids(record.pid).map(String)), first, 'the pid file names the primary of those workers')
    assert.equal((await c.get('/_quark/health')).status, 200)

    const victim = [...first][0]!
    process.kill(Number(victim), 'SIGKILL')
    await c.q.waitFor(new RegExp(`worker \\d \\(pid ${victim}\\) was killed by SIGKILL after [\\d.]+ s; restarting it`), 60_000)
    const after = await poll('a replacement worker', async () => {
      const pids = new Set(workerPids(record.pid).map(String))
      return pids.size === 2 && !pids.has(victim) ? pids : undefined
    }, 60_000)
    assert.deepEqual(await c.pids(2), after, 'the replacement answers requests')

    const r = spawnSync(process.execPath, [QUARK_JS, 'reload', '-f', c.folder], { encoding: 'utf8', timeout: 120_000 })
    assert.equal(r.status, 0, r.stderr)
    assert.match(r.stdout, /every worker was replaced/)
    const reloaded = new Set(workerPids(record.pid).map(String))
    assert.equal(reloaded.size, 2)
    for (const p of after) assert.ok(!reloaded.has(p), `worker ${p} was replaced by the reload`)
    assert.deepEqual(await c.pids(2), reloaded)
    assert.match(c.q.stdout, /reload: worker 1 replaced .*\n(.*\n)*.*reload: worker 2 replaced/)
  } finally { await c.stop() }
})

test('SIGTERM drains: a request in flight finishes, the primary exits 0 and removes its pid file', { timeout: 120_000 }, async () => {
  const c = await startCluster(2)
  try {
    await c.pids(2)
    const slow = request(c.url, '/app/default/slow?ms=2000')
    await new Promise((r) => setTimeout(r, 300)) // the request has reached a worker (2 s of work left)
    const record = JSON.parse(fs.readFileSync(path.join(c.folder, 'quark.pid'), 'utf8'))
    process.kill(record.pid, 'SIGTERM')
    const answer = await slow
    assert.equal(answer.status, 200)
    assert.equal(answer.body, 'slow done')
    const end = await c.q.exited
    assert.equal(end.code, 0, end.stderr)
    assert.match(end.stdout, /SIGTERM, finishing in-flight requests/)
    assert.ok(!fs.existsSync(path.join(c.folder, 'quark.pid')), 'the pid file is removed')
    await assert.rejects(request(c.url, '/app/default/index'), 'nothing listens any more')
  } finally { await c.stop() }
})

test('quark reload with no server running: a clear error, exit 3', () => {
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'quark-reload-'))
  try {
    const r = spawnSync(process.execPath, [QUARK_JS, 'reload', '-f', dir], { encoding: 'utf8' })
    assert.equal(r.status, 3)
    assert.match(r.stderr, /No server with --workers is running here/)
  } finally { fs.rmSync(dir, { recursive: true, force: true }) }
})

test('--workers with a bad count is refused before anything starts', () => {
  const r = spawnSync(process.execPath, [QUARK_JS, 'run', '--workers', 'two', '--no-browser'], { encoding: 'utf8', cwd: require('node:os').tmpdir() })
  assert.equal(r.status, 2)
  assert.match(r.stderr, /invalid --workers: two/)
})

test('with two workers: the admin login holds in both, a file saved in the editor is live in every worker on its next request, cron runs once', { timeout: 240_000 }, async () => {
  const c = await startCluster(2, ['--password', ADMIN_PASSWORD], {
    'controllers/default.ts': "export function version() { return 'v1 ' + process.pid }\nexport function pid() { return String(process.pid) }\n",
    'cron/crontab': '* * * * * *app/default/pid\n',
  }, { QUARK_RECHECK_MS: '600000' }) // no worker re-reads a file on its own during the test: only the admin's word makes the save live
  try {
    await c.pids(2)
    // log in (the cookie jar by hand: every request on a new connection, so on either worker)
    let cookie = ''
    const jar = (h: Record<string, unknown>) => { for (const l of (h['set-cookie'] as string[] | undefined) ?? []) { const m = /^quark_admin=([^;]*)/.exec(l); if (m) cookie = `quark_admin=${m[1]}` } }
    const page = await request(c.url, '/admin/default/login')
    jar(page.headers)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)
    assert.ok(csrf, 'the login form carries a CSRF token')
    const login = await request(c.url, '/admin/default/login', {
      method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf[1]!, password: ADMIN_PASSWORD }).toString(),
    })
    assert.equal(login.status, 303, login.body.slice(0, 300))
    jar(login.headers)
    for (let i = 0; i < 12; i++) {
      const r = await request(c.url, '/admin/default/index', { headers: { cookie } })
      assert.equal(r.status, 200, `admin page ${i} answered ${r.status} ${r.headers.location ?? ''}`)
    }
    // the editor's save, then the app's next requests (both workers answer them: by pid)
    const edit = await request(c.url, '/admin/edit/index?app=app&path=controllers/default.ts', { headers: { cookie } })
    const token = /name="_csrf" value="([^"]+)"/.exec(edit.body)?.[1]
    assert.ok(token, 'the editor page carries the CSRF token')
    for (let i = 0; i < 6; i++) assert.match((await request(c.url, '/app/default/version')).body, /^v1 \d+$/)
    const save = await request(c.url, '/admin/edit/save', {
      method: 'POST', headers: { cookie, 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ app: 'app', path: 'controllers/default.ts', content: "export function version() { return 'v2 ' + process.pid }\nexport function pid() { return String(process.pid) }\n", force: true }),
    })
    assert.equal(save.status, 200, save.body)
    const answered = new Set<string>()
    for (let i = 0; i < 12; i++) {
      const v = (await request(c.url, '/app/default/version')).body
      assert.match(v, /^v2 \d+$/, `request ${i} after the save saw the new file`)
      answered.add(v.slice(3))
    }
    assert.equal(answered.size, 2, 'both workers answered after the save')
    // cron: one run per minute tick, by one worker (the cron log names the pid)
    const log = path.join(c.folder, 'applications', 'app', 'cron', 'cron.log')
    await poll('a cron run', () => (fs.existsSync(log) && fs.readFileSync(log, 'utf8').trim() ? true : undefined), 130_000, 500)
    await new Promise((r) => setTimeout(r, 5000)) // a second worker's run of the same tick would be written by now
    const runs = fs.readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { startedAt: string; pid: number })
    const minute = runs[0]!.startedAt.slice(0, 16)
    const sameTick = runs.filter((r) => r.startedAt.slice(0, 16) === minute)
    assert.equal(sameTick.length, 1, `one run for one tick, not one per worker: ${JSON.stringify(runs)}`)
  } finally { await c.stop() }
})

test('with two workers the admin\'s live log shows the request lines of both', { timeout: 180_000 }, async () => {
  const { default: WebSocket } = await import('ws')
  const c = await startCluster(2, ['--password', ADMIN_PASSWORD], CLUSTER_APP, {}, false)
  let ws: InstanceType<typeof WebSocket> | undefined
  try {
    await c.pids(2)
    let cookie = ''
    const jar = (h: Record<string, unknown>) => { for (const l of (h['set-cookie'] as string[] | undefined) ?? []) { const m = /^quark_admin=([^;]*)/.exec(l); if (m) cookie = `quark_admin=${m[1]}` } }
    const page = await request(c.url, '/admin/default/login')
    jar(page.headers)
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
    const login = await request(c.url, '/admin/default/login', {
      method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ _csrf: csrf, password: ADMIN_PASSWORD }).toString(),
    })
    assert.equal(login.status, 303)
    jar(login.headers)
    const lines: string[] = []
    ws = new WebSocket(c.url.replace(/^http/, 'ws') + '/admin/live', { headers: { cookie } })
    const socket = ws
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject)
      socket.on('message', (d) => {
        const m = JSON.parse(String(d)) as { type: string; line?: string }
        if (m.type === 'following') resolve()
        if (m.type === 'log' && m.line) lines.push(m.line)
      })
      socket.on('open', () => socket.send(JSON.stringify({ type: 'follow', app: 'app' })))
    })
    // requests with a mark each; the answer says which worker served it; the log must show marks of both
    const servedBy = new Map<string, string>()
    let i = 0
    await poll('log lines from both workers on one live channel', async () => {
      const mark = `m${i++}`
      servedBy.set(mark, (await request(c.url, `/app/default/pid?mark=${mark}`)).body)
      const seen = new Set(lines.map((l) => /mark=(m\d+)/.exec(l)?.[1]).filter((m): m is string => !!m).map((m) => servedBy.get(m)))
      return seen.size >= 2 ? true : undefined
    }, 60_000, 50)
  } finally { ws?.close(); await c.stop() }
})
