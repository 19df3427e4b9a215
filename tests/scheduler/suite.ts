// The scheduler's behaviour tests, run against one database (SQLite or PostgreSQL) with real worker processes.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { forkWorker, type Scheduler, type TaskInfo } from '../../server/scheduler/index'
import { EXIT_KILLED, EXIT_TERMINATED } from '../../server/scheduler/command'

export interface DbFixture { uri: string; drop(): Promise<void> }

export const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms))

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await sleep(everyMs)
  }
}

export function schedulerSuite(name: string, makeDb: () => Promise<DbFixture>): void {
  let fixture: DbFixture
  let tmp: string
  let marksFile: string
  let scheduler: Scheduler
  let closeAll: () => Promise<void>
  const workers: ChildProcess[] = []
  const figures: string[] = []

  const marks = (prefix: string) => fs.readFileSync(marksFile, 'utf8').split('\n').filter((l) => l.startsWith(prefix + ' ') || l.startsWith(prefix + ':'))
  const status = async (id: number) => (await scheduler.taskStatus(id))!
  const finished = (id: number, statuses: string[]) => async () => {
    const s = await status(id)
    return statuses.includes(s.status) ? s : undefined
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-'))
    marksFile = path.join(tmp, 'marks.txt')
    fs.writeFileSync(marksFile, '')
    fixture = await makeDb()
    process.env.QUARK_SCHED_URI = fixture.uri
    process.env.QUARK_SCHED_MARKS = marksFile
    const mod = await import('./fixtures/tasks')
    scheduler = mod.scheduler
    closeAll = (await import('../../server/dal/index')).closeAllConnections
    // create the tables before the workers start
    assert.equal(await scheduler.taskStatus(-1), null)
    for (let i = 0; i < 3; i++) {
      workers.push(forkWorker({ source: { kind: 'module', file: path.join(__dirname, 'fixtures', 'tasks.ts') }, name: `w${i}-${process.pid}`, heartbeatMs: 250, deadAfterMs: 2000, pollMs: 50, quiet: !process.env.QUARK_SCHED_VERBOSE },
        { execArgv: ['--import', 'tsx'] }))
    }
    await waitFor('3 ready workers', async () => (await scheduler.workers()).filter((w) => w.stats.ready).length === 3, 120_000).catch(async (e) => { throw new Error(e.message + ': ' + JSON.stringify(await scheduler.workers())) })
  })

  after(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM')
    await Promise.all(workers.map((w) => (w.exitCode !== null || w.signalCode !== null) ? undefined : new Promise((r) => w.once('exit', r))))
    await closeAll()
    await fixture.drop()
    fs.rmSync(tmp, { recursive: true, force: true })
    if (figures.length) console.log(`# ${name}: ${figures.join('; ')}`)
  })

  test(`${name}: 200 tasks through 3 worker processes each run exactly once`, async () => {
    const ids: number[] = []
    // queued while the workers are disabled, so the figure measures the workers, not the queueing
    assert.equal(await scheduler.disable(), 3)
    await sleep(600)
    await scheduler.db.transaction(async () => {
      for (let i = 0; i < 200; i++) ids.push((await scheduler.queueTask('mark', { args: [`bulk:${i}`] })).id)
    })
    await sleep(600)
    assert.equal(marks('bulk').length, 0, 'disabled workers take no task')
    const t0 = Date.now()
    assert.equal(await scheduler.resume(), 3)
    await waitFor('200 completed tasks', async () => {
      const db = scheduler.db
      return (await db(db.scheduler_task.status.eq('COMPLETED').and(db.scheduler_task.function_name.eq('mark'))).count()) >= 200
    }, 120_000, 50)
    const seconds = (Date.now() - t0) / 1000
    figures.push(`200 tasks in ${seconds.toFixed(2)} s = ${(200 / seconds).toFixed(1)} tasks/s through 3 workers`)
    const lines = marks('bulk')
    const counts = new Map<string, number>()
    for (const l of lines) counts.set(l.split(' ')[0]!, (counts.get(l.split(' ')[0]!) ?? 0) + 1)
    assert.equal(counts.size, 200)
    assert.ok([...counts.values()].every((n) => n === 1), 'no task ran twice')
    const db = scheduler.db
    const runs = await db(db.scheduler_run.task_id.belongs(ids)).select()
    assert.equal(runs.length, 200, 'one scheduler_run per task')
    assert.ok([...runs].every((r: any) => r.status === 'COMPLETED' && JSON.parse(r.run_result).startsWith('bulk:')))
    // Which worker claims what is timing: on a fast machine one worker once took all 200 (seen in CI).
    // What must hold is that every run was claimed by one of the three registered workers.
    const known = new Set((await scheduler.workers()).map((w) => w.workerName))
    assert.equal(known.size, 3)
    for (const r of runs as Iterable<any>) assert.ok(known.has(r.worker_name), `run claimed by an unknown worker: ${r.worker_name}`)
    // each claiming worker ran its tasks in child processes of its own (never in this process);
    // how many workers got a share is timing, as above
    const pids = new Set(lines.map((l) => l.split(' ')[1]))
    const claimers = new Set([...runs].map((r: any) => r.worker_name as string))
    assert.ok(!pids.has(String(process.pid)), 'no task ran in the test process')
    assert.ok(pids.size >= claimers.size, `the tasks ran in child processes of the workers (${pids.size} pids for ${claimers.size} workers)`)
  })

  test(`${name}: results, output and args/vars are stored`, async () => {
    const { id, uuid } = await scheduler.queueTask('echo', { args: [1, 'two'], vars: { three: 3 } })
    const s = await waitFor('echo', finished(id, ['COMPLETED']))
    assert.equal(s.uuid, uuid)
    assert.deepEqual(s.run!.result, { args: [1, 'two', { three: 3 }] })
    assert.match(s.run!.output, /hello from a task \[1,"two",\{"three":3\}\]/)
    assert.ok(s.run!.startTime! <= s.run!.stopTime!)
    assert.deepEqual((await scheduler.taskStatus(uuid))!.id, id)
  })

  test(`${name}: repeats and period`, async () => {
    const { id } = await scheduler.queueTask('mark', { args: ['repeat'], repeats: 3, period: 1 })
    const s = await waitFor('3 repeats', finished(id, ['COMPLETED', 'FAILED']), 20_000)
    assert.equal(s.status, 'COMPLETED')
    assert.equal(s.timesRun, 3)
    const runs = await scheduler.taskRuns(id)
    assert.equal(runs.length, 3)
    for (let i = 1; i < runs.length; i++) {
      const gap = runs[i]!.startTime!.getTime() - runs[i - 1]!.stopTime!.getTime()
      assert.ok(gap >= 990, `runs ${i - 1} and ${i} are ${gap} ms apart`)
    }
    assert.equal(marks('repeat').length, 3)
  })

  test(`${name}: a failing task is retried retryFailed times, then FAILED`, async () => {
    const { id } = await scheduler.queueTask('fail', { retryFailed: 2 })
    const s = await waitFor('failure', finished(id, ['FAILED']), 20_000)
    assert.equal(s.timesFailed, 3)
    const runs = await scheduler.taskRuns(id)
    assert.equal(runs.length, 3)
    assert.ok(runs.every((r) => r.status === 'FAILED' && /failing on purpose/.test(r.traceback ?? '') && /about to fail/.test(r.output)))
  })

  test(`${name}: a task past its timeout is killed and marked TIMEOUT; the worker goes on`, async () => {
    const t0 = Date.now()
    const { id } = await scheduler.queueTask('sleep', { args: [60_000], timeout: 1 })
    const s = await waitFor('timeout', finished(id, ['TIMEOUT', 'COMPLETED', 'FAILED']), 20_000)
    assert.equal(s.status, 'TIMEOUT')
    assert.ok(Date.now() - t0 < 10_000)
    assert.equal(s.run!.status, 'TIMEOUT')
    const d = s.run!.stopTime!.getTime() - s.run!.startTime!.getTime()
    assert.ok(d >= 1000 && d < 5000, `killed after ${d} ms`)
    const next = await scheduler.queueTask('add', { args: [2, 3] })
    const n = await waitFor('add', finished(next.id, ['COMPLETED']))
    assert.equal(n.run!.result, 5)
  })

  test(`${name}: start and stop times are honoured; a queued task past its stop time EXPIRES`, async () => {
    const start = new Date(Date.now() + 1500)
    const { id } = await scheduler.queueTask('mark', { args: ['late'], startTime: start })
    await sleep(700)
    assert.equal((await status(id)).status, 'QUEUED', 'not run before its start time')
    const s = await waitFor('late start', finished(id, ['COMPLETED']))
    assert.ok(s.run!.startTime!.getTime() >= start.getTime())
    const stop = new Date(Date.now() + 5000)
    const rep = await scheduler.queueTask('mark', { args: ['until'], repeats: 0, period: 1, stopTime: stop })
    // COMPLETED when the next run would fall after the stop time; EXPIRED when a due run was not started before it
    const r = await waitFor('repeats up to the stop time', finished(rep.id, ['COMPLETED', 'EXPIRED']), 30_000)
    const runs = await scheduler.taskRuns(rep.id)
    assert.ok(runs.length >= 1 && runs.length <= 5, `${runs.length} runs`)
    assert.ok(runs.every((x) => x.startTime!.getTime() <= stop.getTime()), 'no run starts after the stop time')
    if (r.status === 'COMPLETED') assert.ok(runs.at(-1)!.stopTime!.getTime() + 1000 > stop.getTime(), 'it ended only because the next run would be past the stop time')
    else assert.ok(Date.now() >= stop.getTime(), 'expired only after its stop time')
    assert.equal(r.timesRun, runs.length)
    const expiring = await scheduler.queueTask('mark', { args: ['never'], groupName: 'nobody', stopTime: new Date(Date.now() + 500) })
    await waitFor('expired', finished(expiring.id, ['EXPIRED']), 10_000)
    assert.equal(marks('never').length, 0)
  })

  test(`${name}: stopTask stops a queued task and kills a running one`, async () => {
    const queued = await scheduler.queueTask('mark', { args: ['stopped'], startTime: new Date(Date.now() + 60_000) })
    assert.equal(await scheduler.stopTask(queued.id), true)
    assert.equal((await status(queued.id)).status, 'STOPPED')
    const running = await scheduler.queueTask('sleep', { args: [60_000], timeout: 120 })
    await waitFor('running', finished(running.id, ['RUNNING']))
    assert.equal(await scheduler.stopTask(running.uuid), true)
    await waitFor('run stopped', async () => (await status(running.id)).run?.status === 'STOPPED', 10_000)
    assert.equal((await status(running.id)).status, 'STOPPED')
    assert.equal(await scheduler.stopTask(running.id), false, 'already stopped')
  })

  test(`${name}: bad options are refused`, async () => {
    await assert.rejects(scheduler.queueTask('nope'), /no task function named "nope"/)
    await assert.rejects(scheduler.queueTask('add', { period: -1 }), /period/)
    await assert.rejects(scheduler.queueTask('add', { repeats: 1.5 }), /repeats/)
    await assert.rejects(scheduler.queueTask('add', { startTime: new Date(Date.now() + 5000), stopTime: new Date() }), /stopTime/)
    await assert.rejects(scheduler.queueTask('add', { args: [1n] as never }), /JSON-serialisable/)
    const { uuid } = await scheduler.queueTask('add', { args: [1, 1], uuid: `u-${name}` })
    await assert.rejects(scheduler.queueTask('add', { uuid }), /already queued/)
  })

  test(`${name}: dependencies: a task runs only after every task it depends on COMPLETED; a failed parent holds it`, async () => {
    const a = await scheduler.queueTask('sleep', { args: [800, `dep-a-${name}`], timeout: 60 })
    const b = await scheduler.queueTask('mark', { args: [`dep-b-${name}`] })
    const child = await scheduler.queueTask('mark', { args: [`dep-child-${name}`], dependsOn: [a.id, b.id], jobName: 'build' })
    const failed = await scheduler.queueTask('fail')
    const orphan = await scheduler.queueTask('mark', { args: [`dep-orphan-${name}`], dependsOn: [failed.id] })
    await waitFor('the child', finished(child.id, ['COMPLETED', 'FAILED']), 60_000)
    const line = (p: string) => { const m = marks(p); assert.equal(m.length, 1, p); return Number(m[0]!.split(' ')[2]) }
    const [ta, tb, tc] = [line(`dep-a-${name}`), line(`dep-b-${name}`), line(`dep-child-${name}`)]
    const aRun = (await scheduler.taskRuns(a.id))[0]!
    assert.ok(tc >= aRun.stopTime!.getTime() && tc >= tb && tc > ta, 'the child started after both parents ended')
    assert.deepEqual(await scheduler.dependencies(child.id), [{ parent: a.id, completed: true }, { parent: b.id, completed: true }])
    await waitFor('the failing parent', finished(failed.id, ['FAILED']), 30_000)
    // workers poll every 50 ms: wait until a later task ran, so the orphan had every chance to be (wrongly) taken
    const later = await scheduler.queueTask('add', { args: [2, 2] })
    await waitFor('a later task', finished(later.id, ['COMPLETED']), 30_000)
    assert.equal((await status(orphan.id)).status, 'QUEUED', 'a task whose parent failed waits')
    assert.equal(marks(`dep-orphan-${name}`).length, 0)
    await scheduler.stopTask(orphan.id)
    await assert.rejects(scheduler.queueTask('add', { dependsOn: [999_999_999] }), /no task with id 999999999/)
    await assert.rejects(scheduler.queueTask('add', { dependsOn: ['x' as unknown as number] }), /dependsOn/)
  })

  test(`${name}: a worker whose heartbeat is late but whose process is alive keeps its task (one run, not two)`, async () => {
    // its heartbeat comes every 4 s while the others count a worker dead after 2 s of silence: during each of its
    // runs it spends seconds past that deadline. It alone serves group 'slow', so its task is not anyone else's.
    const slowName = `slow-${process.pid}`
    const slow = forkWorker({ source: { kind: 'module', file: path.join(__dirname, 'fixtures', 'tasks.ts') }, name: slowName, groups: ['slow'],
      heartbeatMs: 4000, deadAfterMs: 2000, pollMs: 50, quiet: !process.env.QUARK_SCHED_VERBOSE }, { execArgv: ['--import', 'tsx'] })
    const exit = new Promise<number | null>((r) => slow.once('exit', (code) => r(code)))
    try {
      const { id } = await scheduler.queueTask('sleep', { args: [6000, 'slowpoke'], groupName: 'slow', timeout: 120 })
      const running = await waitFor('running', finished(id, ['RUNNING']), 120_000)
      assert.equal(running.assignedWorkerName, slowName)
      const done = await waitFor('completed', finished(id, ['COMPLETED', 'FAILED', 'STOPPED']), 60_000)
      assert.equal(done.status, 'COMPLETED')
      assert.equal(done.timesRun, 1)
      const runs = await scheduler.taskRuns(id)
      assert.deepEqual(runs.map((r) => `${r.status}@${r.workerName}`), [`COMPLETED@${slowName}`], 'one run, by the late worker')
      assert.equal(marks('slowpoke').length, 1, 'started once')
      assert.ok((await scheduler.workers()).some((w) => w.workerName === slowName), 'never taken for dead')
      assert.equal(await scheduler.terminate(slowName), 1)
      assert.equal(await exit, EXIT_TERMINATED)
    } finally {
      if (slow.exitCode === null && slow.signalCode === null) slow.kill('SIGKILL')
    }
  })

  test(`${name}: a worker SIGKILLed in the middle of a task: the task is recovered and completed by another`, async () => {
    const { id } = await scheduler.queueTask('sleep', { args: [1500, 'victim'], timeout: 60 })
    const s = await waitFor('running', finished(id, ['RUNNING']))
    await waitFor('task started', async () => marks('victim').length === 1)
    const victim = workers.find((w) => s.assignedWorkerName === `w${workers.indexOf(w)}-${process.pid}`)!
    assert.ok(victim, s.assignedWorkerName)
    victim.kill('SIGKILL')
    const done = await waitFor('recovered', finished(id, ['COMPLETED']), 30_000)
    assert.notEqual(done.run!.workerName, s.assignedWorkerName)
    const runs = await scheduler.taskRuns(id)
    assert.equal(runs.length, 2)
    assert.equal(runs[0]!.status, 'FAILED')
    assert.match(runs[0]!.traceback ?? '', /stopped sending heartbeats/)
    assert.equal(runs[1]!.status, 'COMPLETED')
    assert.equal(marks('victim').length, 2, 'started once by the killed worker, once by the one that recovered it')
    await waitFor('dead worker removed', async () => (await scheduler.workers()).length === 2)
  })

  test(`${name}: terminate lets a worker finish and exit; kill stops it at once and queues its task again`, async () => {
    const alive = workers.filter((w) => w.exitCode === null && w.signalCode === null)
    assert.equal(alive.length, 2)
    const names = alive.map((w) => `w${workers.indexOf(w)}-${process.pid}`)
    const exits = alive.map((w) => new Promise<number | null>((r) => w.once('exit', (code) => r(code))))
    assert.equal(await scheduler.terminate(names[0]), 1)
    assert.equal(await exits[0], EXIT_TERMINATED, 'a terminated worker exits cleanly, with the code that tells its supervisor not to restart it')
    const { id } = await scheduler.queueTask('sleep', { args: [60_000], timeout: 120 })
    const s = await waitFor('running', finished(id, ['RUNNING']))
    assert.equal(s.assignedWorkerName, names[1])
    assert.equal(await scheduler.kill(names[1]), 1)
    assert.equal(await exits[1], EXIT_KILLED)
    const after = await status(id)
    assert.equal(after.status, 'QUEUED', 'the task of a killed worker is queued again, not lost')
    assert.equal(after.timesFailed, 0)
    assert.equal(after.run!.status, 'FAILED')
    assert.match(after.run!.traceback ?? '', /was killed/)
    assert.deepEqual(await scheduler.workers(), [])
  })
}
