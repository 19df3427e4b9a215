// Every `quark` command, spawned as a user runs it (helpers.ts), with its real effects checked:
// the same cases for a checkout (checkout.test.ts: npx quark) and for the binary (binary.test.ts).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// the DAL's SQLite driver (better-sqlite3, or node:sqlite on the Node LTS the binaries embed: npm run test:lts)
import { openSqlite } from '../../server/dal/drivers'
import { Quark, quark, poll, within, get, groupMembers, isAlive, writeAppFile, root, type Site, type Target } from './helpers'

/** Generous: a loaded 2-core machine boots Node, npm and an app several times per test. */
const T = { timeout: 600_000 }

const VERSION = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version
export const COMMANDS = ['run', 'new', 'shell', 'test', 'cron', 'scheduler', 'pack', 'unpack', 'compile'] as const

/** A model that gives the app a table and a Scheduler with one task (runs after the scaffold's db.ts). */
const SCHEDULER_MODEL = `db.defineTable('note', Field('body', 'string'))
export const scheduler = new Scheduler(db, { tasks: {
  async write(body: string) { await db.note.insert({ body }); return body.toUpperCase() },
} })
`

/** Rows of the app's SQLite database, read as the test's own client (the processes may be writing it). */
function sql<R>(site: Site, app: string, query: string, ...params: unknown[]): R[] {
  const file = path.join(site.dir, 'applications', app, 'databases', 'storage.sqlite')
  if (!fs.existsSync(file)) return []
  const db = openSqlite(file)
  try {
    db.pragma('busy_timeout = 30000')
    // node:sqlite's rows have a null prototype: plain objects, as better-sqlite3 gives, for deepEqual
    return db.prepare(query).all(params).map((r) => ({ ...(r as object) })) as R[]
  } finally { db.close() }
}

/** `quark new <app>`, which must succeed (the other cases start from it). */
async function newApp(site: Site, app: string): Promise<void> {
  const r = await quark(site, ['new', app])
  assert.equal(r.code, 0, r.stdout + r.stderr)
}

/** Run a test with a fresh site, cleaned up afterwards, the command's processes killed if a case fails midway. */
function withSite(target: Target, fn: (site: Site, started: Quark[]) => Promise<void>): () => Promise<void> {
  return async () => {
    const site = target.site()
    const started: Quark[] = []
    try {
      await fn(site, started)
    } finally {
      for (const q of started) await q.kill()
      site.cleanup()
    }
  }
}

/** The commands that do their work and exit (and run, stopped by a signal). */
export function commandCases(target: Target, skip: string | false = false): void {
  const opts = { ...T, skip }
  const name = (s: string) => `${target.name}: ${s}`

  test(name('--version, --help, each command\'s --help, an unknown command'), opts, withSite(target, async (site) => {
    const v = await quark(site, ['--version'])
    assert.equal(v.code, 0, v.stderr)
    // the version first (the binary adds the Node it is made of and its target)
    assert.match(v.stdout.trim(), new RegExp(`^${VERSION.replace(/\./g, '\\.')}( \\(node v\\d+\\.\\d+\\.\\d+, [\\w-]+\\))?$`))
    const h = await quark(site, ['--help'])
    assert.equal(h.code, 0, h.stderr)
    for (const c of COMMANDS) assert.match(h.stdout, new RegExp(`^  ${c} +\\S`, 'm'), `--help lists ${c}`)
    for (const c of COMMANDS) {
      const ch = await quark(site, [c, '--help'])
      assert.equal(ch.code, 0, `${c} --help: ${ch.stdout}${ch.stderr}`)
      assert.match(ch.stdout, new RegExp(`quark ${c}\\b`), `${c} --help shows its usage`)
      assert.match(ch.stdout, /--folder/, `${c} --help lists -f/--folder`)
      assert.equal(ch.stderr.trim(), '', `${c} --help writes nothing to stderr`)
    }
    const bad = await quark(site, ['frobnicate'])
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /unknown command "frobnicate"/)
    assert.deepEqual(fs.readdirSync(site.dir).filter((f) => f !== 'quark'), [], 'help and version leave the folder as it was')
  }))

  test(name('new: creates the app from the scaffold; refuses an existing or invalid name'), opts, withSite(target, async (site) => {
    const r = await quark(site, ['new', 'blog'])
    assert.equal(r.code, 0, r.stderr)
    const app = path.join(site.dir, 'applications', 'blog')
    assert.match(r.stdout, /created .*applications[/\\]blog/)
    for (const f of ['controllers/default.ts', 'models/db.ts', 'views/layout.html', 'tests/default.ts']) {
      assert.ok(fs.existsSync(path.join(app, f)), `the new app has ${f}`)
    }
    fs.writeFileSync(path.join(app, 'controllers', 'mine.ts'), 'export const x = 1\n')
    const again = await quark(site, ['new', 'blog'])
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /already exists/)
    assert.ok(fs.existsSync(path.join(app, 'controllers', 'mine.ts')), 'the existing app is left alone')
    for (const bad of ['bad-name!', '_hidden', '../escape']) {
      const b = await quark(site, ['new', bad])
      assert.notEqual(b.code, 0, `new ${bad}`)
      assert.match(b.stderr, /Invalid app name/, `new ${bad}`)
    }
    assert.deepEqual(fs.readdirSync(path.join(site.dir, 'applications')), ['blog'])
    const none = await quark(site, ['new'])
    assert.notEqual(none.code, 0)
    assert.match(none.stderr, /needs an app name/)
  }))

  test(name('run: serves HTTPS on the printed URL from the folder; SIGTERM stops it with exit 0; Ctrl-C stops the whole job'), opts, withSite(target, async (site, started) => {
    const server = new Quark(site, ['run', '--no-browser', '-p', '0'])
    started.push(server)
    const m = await server.waitFor(/Quark serving (.+)[/\\]applications at (https:\/\/127\.0\.0\.1:\d+)\//)
    assert.equal(fs.realpathSync(m[1]!), fs.realpathSync(site.dir), 'it serves the folder it was started in')
    const base = m[2]!
    const page = await get(`${base}/welcome/default/index`)
    assert.equal(page.status, 200)
    assert.match(page.body, /<html/i)
    assert.ok(fs.existsSync(path.join(site.dir, 'applications', 'welcome', 'controllers', 'default.ts')), 'welcome installed in the folder')
    assert.ok(fs.existsSync(path.join(site.dir, 'quark-cert.pem')), 'the certificate made beside applications/')
    const pid = await server.quarkPid()
    process.kill(pid, 'SIGTERM')
    const end = await server.exited
    assert.equal(end.code, 0, end.stdout + end.stderr)
    assert.match(end.stdout, /SIGTERM, finishing in-flight requests/)
    await assert.rejects(get(`${base}/welcome/default/index`), 'the port is closed')

    // Ctrl-C in a terminal: SIGINT to every process of the job (npm exec and sh die of it; quark stops)
    const again = new Quark(site, ['run', '--no-browser', '-p', '0', '--no-https'])
    started.push(again)
    const m2 = await again.waitFor(/at (http:\/\/127\.0\.0\.1:\d+)\//)
    assert.equal((await get(`${m2[1]}/welcome/default/hello`)).status, 200)
    const pid2 = await again.quarkPid()
    again.signalGroup('SIGINT')
    await again.exited
    await poll('the server process to end', () => (isAlive(pid2) ? undefined : true))
    assert.match(again.stdout, /SIGINT, finishing in-flight requests/)
    if (!site.viaNpx) assert.equal(again.child.exitCode, 0)
    await poll('every process of the job to end', () => (groupMembers(again.child.pid!).length ? undefined : true))
  }))

  test(name('shell: runs stdin lines in the app\'s environment and commits their work'), opts, withSite(target, async (site) => {
    await newApp(site, 'blog')
    writeAppFile(site, 'blog', 'models/zz_note.ts', `db.defineTable('note', Field('body', 'string'))\n`)
    const first = await quark(site, ['shell', 'blog'], {
      input: `await db.note.insert({ body: 'from the shell' })\nconsole.log('NOTES=' + await db(db.note).count())\n`,
    })
    assert.equal(first.code, 0, first.stdout + first.stderr)
    assert.match(first.stdout, /the models ran/)
    assert.match(first.stdout, /NOTES=1\b/)
    const second = await quark(site, ['shell', 'blog'], { input: `console.log('BODY=' + (await db(db.note).select()).first()?.body)\n` })
    assert.equal(second.code, 0, second.stdout + second.stderr)
    assert.match(second.stdout, /BODY=from the shell/, 'the first shell\'s insert was committed')
    assert.deepEqual(sql(site, 'blog', 'SELECT body FROM note'), [{ body: 'from the shell' }])
    const missing = await quark(site, ['shell', 'nope'])
    assert.notEqual(missing.code, 0)
    assert.match(missing.stderr, /No app named nope/)
  }))

  test(name('test: ok lines and exit 0 when the app\'s tests pass; not ok and exit 1 when one fails'), opts, withSite(target, async (site) => {
    await newApp(site, 'blog')
    writeAppFile(site, 'blog', 'tests/arithmetic.ts', `test('adds', () => { assert.equal(1 + 1, 2) })\n`)
    const pass = await quark(site, ['test', 'blog'])
    assert.equal(pass.code, 0, pass.stdout + pass.stderr)
    assert.match(pass.stdout, /^ok \d+ - tests\/arithmetic\.ts: adds/m)
    assert.doesNotMatch(pass.stdout, /^not ok/m)
    assert.match(pass.stdout, /# blog: \d+ passed, 0 failed/)
    writeAppFile(site, 'blog', 'tests/wrong.ts', `test('subtracts wrongly', () => { assert.equal(2 - 1, 3) })\n`)
    const fail = await quark(site, ['test', 'blog'])
    assert.equal(fail.code, 1, fail.stdout + fail.stderr)
    assert.match(fail.stdout, /^not ok \d+ - tests\/wrong\.ts: subtracts wrongly/m)
    assert.match(fail.stdout, /^ok \d+ - tests\/arithmetic\.ts: adds/m)
    assert.match(fail.stdout, /# blog: \d+ passed, 1 failed/)
  }))

  test(name('pack and unpack: a .w2t made, installed under a new name, an existing name refused'), opts, withSite(target, async (site) => {
    await newApp(site, 'blog')
    writeAppFile(site, 'blog', 'controllers/extra.ts', `export function index() { return 'packed' }\n`)
    const file = path.join(site.dir, 'blog.w2t')
    const p = await quark(site, ['pack', 'blog', file])
    assert.equal(p.code, 0, p.stdout + p.stderr)
    assert.ok(fs.statSync(file).size > 0)
    const u = await quark(site, ['unpack', file, 'blog2'])
    assert.equal(u.code, 0, u.stdout + u.stderr)
    const apps = path.join(site.dir, 'applications')
    for (const f of ['controllers/extra.ts', 'controllers/default.ts', 'models/db.ts', 'views/layout.html']) {
      assert.equal(fs.readFileSync(path.join(apps, 'blog2', f), 'utf8'), fs.readFileSync(path.join(apps, 'blog', f), 'utf8'), f)
    }
    const again = await quark(site, ['unpack', file, 'blog'])
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /already exists/)
    const junk = path.join(site.dir, 'junk.w2t')
    fs.writeFileSync(junk, 'not an archive')
    const j = await quark(site, ['unpack', junk, 'blog3'])
    assert.notEqual(j.code, 0)
    assert.ok(!fs.existsSync(path.join(apps, 'blog3')), 'a refused archive installs nothing')
  }))

  test(name('compile and compile --remove'), opts, withSite(target, async (site) => {
    await newApp(site, 'blog')
    const compiled = path.join(site.dir, 'applications', 'blog', 'compiled')
    const c = await quark(site, ['compile', 'blog'])
    assert.equal(c.code, 0, c.stdout + c.stderr)
    assert.match(c.stdout, /compiled blog/)
    assert.ok(fs.existsSync(path.join(compiled, 'MANIFEST.json')))
    assert.ok(fs.existsSync(path.join(compiled, 'views', 'default', 'index.html.js')))
    const r = await quark(site, ['compile', '--remove', 'blog'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.ok(!fs.existsSync(compiled))
    const none = await quark(site, ['compile', 'nope'])
    assert.notEqual(none.code, 0)
    // without -f, from another folder: the binary works on the apps beside it (as run, new, pack do),
    // a checkout on the current folder
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cli-elsewhere-'))
    try {
      const away = await quark({ ...site, dir: elsewhere }, ['compile', 'blog'])
      if (site.viaNpx) {
        assert.notEqual(away.code, 0)
        assert.ok((away.stdout + away.stderr).includes(path.join(elsewhere, 'applications', 'blog')), away.stdout + away.stderr)
      } else {
        assert.equal(away.code, 0, away.stdout + away.stderr)
        assert.ok(fs.existsSync(path.join(compiled, 'MANIFEST.json')), 'compiled the app beside the binary')
        assert.equal((await quark({ ...site, dir: elsewhere }, ['compile', '--remove', 'blog'])).code, 0)
      }
    } finally { fs.rmSync(elsewhere, { recursive: true, force: true }) }
  }))
}

/** Background work: cron and the scheduler's supervised workers. */
export function backgroundCases(target: Target, skip: string | false = false): void {
  const opts = { ...T, skip }
  const name = (s: string) => `${target.name}: ${s}`

  test(name('cron: a due crontab line runs once, a line not due does not; a failing job exits 1'), opts, withSite(target, async (site) => {
    await newApp(site, 'jobs')
    writeAppFile(site, 'jobs', 'models/zz_tick.ts', `db.defineTable('tick', Field('line', 'string'))\n`)
    writeAppFile(site, 'jobs', 'private/tick.ts', `await db.tick.insert({ line: 'every minute' })\n`)
    writeAppFile(site, 'jobs', 'private/newyear.ts', `await db.tick.insert({ line: 'new year' })\n`)
    writeAppFile(site, 'jobs', 'cron/crontab', '* * * * * private/tick.ts\n0 0 1 1 * private/newyear.ts\n')
    const r = await quark(site, ['cron'])
    assert.equal(r.code, 0, r.stdout + r.stderr)
    assert.match(r.stdout, /\[cron\] jobs: .*tick\.ts.* ok/)
    assert.deepEqual(sql(site, 'jobs', 'SELECT line FROM tick'), [{ line: 'every minute' }], 'the due line ran once, the other not at all')

    await newApp(site, 'broken')
    writeAppFile(site, 'broken', 'private/boom.ts', `throw new Error('cron boom')\n`)
    writeAppFile(site, 'broken', 'cron/crontab', '* * * * * private/boom.ts\n')
    const b = await quark(site, ['cron', '-a', 'broken'])
    assert.equal(b.code, 1, b.stdout + b.stderr)
    assert.match(b.stdout, /\[cron\] broken: .*boom\.ts.* FAILED: .*cron boom/)
  }))

  test(name('scheduler: a queued task runs and its result is stored; a worker killed later is restarted; SIGTERM stops all'), opts, withSite(target, async (site, started) => {
    await newApp(site, 'blog')
    writeAppFile(site, 'blog', 'models/zz_scheduler.ts', SCHEDULER_MODEL)
    const queued = await quark(site, ['shell', 'blog'], { input: `console.log('TASK=' + (await scheduler.queueTask('write', { args: ['hello'] })).id)\n` })
    assert.equal(queued.code, 0, queued.stdout + queued.stderr)
    const taskId = Number(/TASK=(\d+)/.exec(queued.stdout)![1])

    const sched = new Quark(site, ['scheduler', 'blog'])
    started.push(sched)
    const up = await sched.waitFor(/\[scheduler\] worker 0 \(pid (\d+)\) is running/)
    const run = await poll('the task to complete', () => sql<{ status: string; run_result: string }>(site, 'blog',
      `SELECT r.status, r.run_result FROM scheduler_run r WHERE r.task_id = ? AND r.status = 'COMPLETED'`, taskId)[0], 180_000, 250)
    assert.equal(JSON.parse(run.run_result), 'HELLO')
    assert.deepEqual(sql(site, 'blog', 'SELECT status FROM scheduler_task WHERE id = ?', taskId), [{ status: 'COMPLETED' }])
    assert.deepEqual(sql(site, 'blog', 'SELECT body FROM note'), [{ body: 'hello' }], "the task's insert was committed")

    // a worker that ran fine and then died is restarted, however often that happens
    const firstPid = Number(up[1])
    process.kill(firstPid, 'SIGKILL')
    await sched.waitFor(/\[scheduler\] worker 0 exited \(signal SIGKILL\); restarting it/)
    const second = await sched.waitFor(new RegExp(`\\[scheduler\\] worker 0 \\(pid (?!${firstPid}\\))(\\d+)\\) is running`))
    assert.notEqual(Number(second[1]), firstPid)

    process.kill(await sched.quarkPid(), 'SIGTERM')
    const end = await sched.exited
    assert.equal(end.code, 0, end.stdout + end.stderr)
    assert.doesNotMatch(end.stdout + end.stderr, /could not start|ERR_UNKNOWN_FILE_EXTENSION/)
    await poll('the workers and their task processes to end', () => (groupMembers(sched.child.pid!).length ? undefined : true))
  }))

  test(name('scheduler: a worker that cannot start stops the command with exit 1 and says why'), opts, withSite(target, async (site, started) => {
    for (const [args, message] of [[[], /name the app/], [['../x'], /invalid app name/], [['nope'], /no app "nope"/], [['nope', '-n', '0'], /from 1 to 64/]] as const) {
      const r = await quark(site, ['scheduler', ...args])
      assert.equal(r.code, 2, `scheduler ${args.join(' ')}: ${r.stdout}${r.stderr}`)
      assert.match(r.stdout + r.stderr, message)
    }
    await newApp(site, 'plain') // the scaffold's models create no Scheduler: no worker can ever run
    const sched = new Quark(site, ['scheduler', 'plain', '-n', '2'])
    started.push(sched)
    // before #16 it restarted the workers every second forever; until #17 it retried them 4 times with a stack trace each
    const end = await within(sched.exited, 120_000, 'quark scheduler for an app with no Scheduler')
    assert.equal(end.code, 1, end.stdout + end.stderr)
    assert.match(end.stderr, /^\[scheduler\] plain: No Scheduler found in the models of plain\. Create one in a model, e\.g\. models\/scheduler\.ts:\n {2}export const scheduler = new Scheduler\(db/m)
    assert.equal([...end.stderr.matchAll(/No Scheduler found/g)].length, 1, end.stderr)
    assert.doesNotMatch(end.stdout + end.stderr, /could not start|restarting|\n\s+at /, 'no retry, no stack trace')
    await poll('every process of the job to end', () => (groupMembers(sched.child.pid!).length ? undefined : true))

    // the app loads but its scheduler's database cannot be reached: a failed start too, never a race
    // with the supervisor's grace period (the worker asks the database before it reports ready)
    await newApp(site, 'remote')
    writeAppFile(site, 'remote', 'models/zz_scheduler.ts',
      `export const scheduler = new Scheduler(new DAL('postgres://postgres@127.0.0.1:1/nowhere'), { tasks: { nop: () => 1 } })\n`)
    const remote = new Quark(site, ['scheduler', 'remote', '-n', '2'])
    started.push(remote)
    const r = await within(remote.exited, 300_000, 'quark scheduler with an unreachable database')
    assert.equal(r.code, 1, r.stdout + r.stderr)
    assert.match(r.stderr, /\[scheduler\] worker [01] for remote could not start: it died 4 times in a row before it was ready/)
    assert.match(r.stderr, /ECONNREFUSED/)
    assert.match(r.stdout, /\[scheduler\] 2 worker\(s\) for remote/)
    await poll('every process of the job to end', () => (groupMembers(remote.child.pid!).length ? undefined : true))
  }))
}
