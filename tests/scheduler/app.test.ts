// The scheduler inside an app: a model creates it, a worker process finds it by running the models,
// each task runs in the app's environment (its transaction committed), and a failing task leaves a ticket.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { forkWorker, parseSchedulerArgs, schedulerCommand } from '../../server/scheduler/index'
import { runInApp } from '../../server/environment/index'
import { listTickets } from '../../server/tickets/index'
import { closeAllConnections } from '../../server/dal/index'
import { waitFor } from './suite'

after(() => closeAllConnections())

test('a worker for an app runs its tasks with the models loaded; errors become tickets', async (t) => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-app-'))
  const folder = path.join(root, 'applications', 'notes')
  t.after(() => fs.rmSync(root, { recursive: true, force: true }))
  fs.mkdirSync(path.join(folder, 'models'), { recursive: true })
  fs.mkdirSync(path.join(folder, 'controllers'), { recursive: true })
  fs.writeFileSync(path.join(folder, 'controllers', 'default.ts'), 'export function index() { return "ok" }\n')
  fs.writeFileSync(path.join(folder, 'models', 'db.ts'), `export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('note', Field('body', 'string'))
export const scheduler = new Scheduler(db, { tasks: {
  async write(body: string) { await db.note.insert({ body }); console.log('wrote', body); return body.toUpperCase() },
  boom() { throw new Error('task boom') },
  count: async () => db(db.note).count(),
} })
`)
  const run = (code: string) => runInApp(folder, 'notes', { script: `return (async () => { ${code} })()` }) as Promise<any>
  const write = await run(`return scheduler.queueTask('write', { args: ['hello'] })`)
  const boom = await run(`return scheduler.queueTask('boom')`)
  const worker = forkWorker({ source: { kind: 'app', folder, app: 'notes' }, heartbeatMs: 250, pollMs: 50, quiet: true }, { execArgv: ['--import', 'tsx'] })
  t.after(() => { if (worker.exitCode === null) worker.kill('SIGKILL') })
  // this wait includes booting the worker and its task process (each loads the app): a minute was seen to pass
  // on a saturated 2-core machine, so the bound is generous; it only decides how long a real hang takes to report
  const done = await waitFor('the write task', async () => {
    const s = await run(`return scheduler.taskStatus(${write.id})`)
    return s.status === 'COMPLETED' ? s : undefined
  }, 180_000, 200)
  assert.equal(done.run.result, 'HELLO')
  assert.match(done.run.output, /wrote hello/)
  assert.equal(await run(`return db(db.note.body.eq('hello')).count()`), 1, "the task's insert was committed")
  const failed = await waitFor('the failing task', async () => {
    const s = await run(`return scheduler.taskStatus(${boom.id})`)
    return s.status === 'FAILED' ? s : undefined
  }, 60_000, 200)
  assert.match(failed.run.traceback, /task boom/)
  const tickets = await listTickets(folder)
  assert.ok(tickets.some((tk) => /task boom/.test(tk.error)), 'the error was stored as a ticket')
  worker.kill('SIGTERM')
  await new Promise((r) => worker.once('exit', r))
  assert.deepEqual(await run(`return (await scheduler.workers()).length`), 0, 'a worker stopping cleanly removes itself')
})

test('quark scheduler: arguments', async () => {
  assert.deepEqual(parseSchedulerArgs(['blog', '-n', '3', '--group', 'a,b', '-g', 'c']), { app: 'blog', workers: 3, groups: ['a', 'b', 'c'], folder: '.', help: false })
  assert.throws(() => parseSchedulerArgs([]), /name the app/)
  assert.throws(() => parseSchedulerArgs(['blog', '-n', '0']), /from 1 to 64/)
  assert.throws(() => parseSchedulerArgs(['blog', '-n']), /needs a value/)
  assert.throws(() => parseSchedulerArgs(['../x']), /invalid app name/)
  assert.throws(() => parseSchedulerArgs(['a', 'b']), /one app only/)
  assert.throws(() => parseSchedulerArgs(['a', '--bogus']), /unknown argument/)
  const lines: string[] = []
  assert.equal(await schedulerCommand(['-h'], { out: (l) => lines.push(l) }), 0)
  assert.match(lines.join('\n'), /usage: quark scheduler/)
  assert.equal(await schedulerCommand(['nope', '-f', os.tmpdir()], { out: (l) => lines.push(l) }), 2)
  assert.match(lines.join('\n'), /no app "nope"/)
})
