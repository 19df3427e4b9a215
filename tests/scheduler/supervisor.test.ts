// `quark scheduler` spawned from the checkout exactly as a user runs it (npx quark scheduler <app> -n 2), on
// PostgreSQL: worker names carry the host; disable/resume/terminate/kill set in the database are obeyed,
// and the supervisor does not undo terminate or kill by starting the workers again (it did, a second later).
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import { checkout, Quark, poll, within, groupMembers, writeAppFile } from '../cli/helpers'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { DAL, closeAllConnections } from '../../server/dal/index'
import { Scheduler } from '../../server/scheduler/index'

const T = { timeout: 600_000 }
let pgdb: TestDatabase | undefined
after(async () => { await closeAllConnections(); await pgdb?.drop() })

function model(uri: string): string {
  return `export const db = new DAL(${JSON.stringify(uri)})
export const scheduler = new Scheduler(db, { tasks: { double: (x: number) => x * 2 } })
`
}

test('quark scheduler from a checkout on PostgreSQL: disable, resume, terminate and kill are obeyed, never undone', T, async () => {
  pgdb = await createTestDatabase('postgres', 'sched_cli')
  const site = checkout.site()
  const started: Quark[] = []
  try {
    writeAppFile(site, 'blog', 'models/db.ts', model(pgdb.uri))
    writeAppFile(site, 'blog', 'controllers/default.ts', 'export function index() { return "ok" }\n')
    const scheduler = new Scheduler(new DAL(pgdb.uri), { tasks: { double: (x: number) => x * 2 }, applicationName: 'blog' })
    assert.equal(await scheduler.taskStatus(-1), null) // the tables, before the workers

    const sched = new Quark(site, ['scheduler', 'blog', '-n', '2'])
    started.push(sched)
    await sched.waitFor(/worker 0 \(pid \d+\) is running/, 300_000)
    await sched.waitFor(/worker 1 \(pid \d+\) is running/, 300_000)
    const workers = await scheduler.workers()
    assert.equal(workers.length, 2)
    for (const w of workers) assert.ok(w.workerName.startsWith(`${os.hostname()}#`), `${w.workerName} names its host`)

    // disabled: both workers keep heartbeating and take nothing
    const first = await scheduler.queueTask('double', { args: [1] })
    await poll('the first task', async () => (await scheduler.taskStatus(first.id))?.status === 'COMPLETED' || undefined, 120_000, 200)
    assert.equal(await scheduler.disable(), 2)
    // a worker reads its status at each heartbeat (every second): wait until each has beaten twice since
    const heartbeatsAfter = async (t: number) => poll('two heartbeats', async () => (await scheduler.workers()).every((w) => w.lastHeartbeat!.getTime() > t + 1500) || undefined, 60_000, 200)
    await heartbeatsAfter(Date.now())
    const idle = await scheduler.queueTask('double', { args: [21] })
    await heartbeatsAfter(Date.now())
    assert.equal((await scheduler.taskStatus(idle.id))!.status, 'QUEUED', 'a disabled worker takes no task')
    assert.ok((await scheduler.workers()).every((w) => w.status === 'DISABLED'))
    assert.equal(await scheduler.resume(), 2)
    const done = await poll('the task after resume', async () => { const s = await scheduler.taskStatus(idle.id); return s?.status === 'COMPLETED' ? s : undefined }, 60_000, 200)
    assert.equal(done.run!.result, 42)

    // terminate one: it ends and is not restarted; the other goes on
    const [one, two] = (await scheduler.workers()).map((w) => w.workerName)
    assert.equal(await scheduler.terminate(one), 1)
    await sched.waitFor(/worker \d \(pid \d+\) ended: told to TERMINATE by the scheduler; not restarted/, 60_000)
    const later = await scheduler.queueTask('double', { args: [5] })
    await poll('a task run by the remaining worker', async () => (await scheduler.taskStatus(later.id))?.status === 'COMPLETED' || undefined, 60_000, 200)
    assert.deepEqual((await scheduler.workers()).map((w) => w.workerName), [two], 'the terminated worker stayed gone')
    assert.doesNotMatch(sched.output, /restarting/)
    assert.equal(sched.done, false, 'the command goes on with its other worker')

    // kill the last: the command ends (exit 0) with nothing left to supervise
    const long = await scheduler.queueTask('double', { args: [7], startTime: Date.now() + 3_600_000 })
    assert.equal(await scheduler.kill(), 1)
    const end = await within(sched.exited, 120_000, 'quark scheduler after kill')
    assert.equal(end.code, 0, end.stdout + end.stderr)
    assert.match(end.stdout, /told to KILL by the scheduler; not restarted/)
    assert.doesNotMatch(end.stdout + end.stderr, /restarting|ERR_UNKNOWN_FILE_EXTENSION/)
    assert.deepEqual(await scheduler.workers(), [])
    assert.equal((await scheduler.taskStatus(long.id))!.status, 'QUEUED', 'untouched')
    await poll('every process of the job to end', () => (groupMembers(sched.child.pid!).length ? undefined : true))
  } finally {
    for (const q of started) await q.kill()
    site.cleanup()
  }
})
