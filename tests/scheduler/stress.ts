// Exactly-once under load: many repeating tasks, several worker processes, CPU-burning processes beside them,
// and heartbeat settings tight enough that a slow worker misses its deadline. Every run is counted three ways
// (the task's own marks in a file, scheduler_run records, scheduler_task.times_run) and each must equal repeats.
//
// Size: QUARK_SCHED_STRESS=big (1000 tasks, 8 workers) or =<number of tasks> for a longer form; the default
// (160 tasks on SQLite, 80 on PostgreSQL, 4 workers, 2 burners) finishes in well under a minute on a busy 2-core machine.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { forkWorker, type Scheduler } from '../../server/scheduler/index'
import { waitFor, type DbFixture } from './suite'

interface StressSize { tasks: number; workers: number; burners: number }

/** PostgreSQL commits cost more than SQLite's: its default form is smaller, to stay well under a minute in CI */
export function stressSize(dialect: string): StressSize {
  const v = process.env.QUARK_SCHED_STRESS
  const cores = os.availableParallelism()
  if (v === 'big') return { tasks: 1000, workers: 8, burners: cores }
  if (v && /^\d+$/.test(v)) return { tasks: Number(v), workers: 4, burners: cores }
  return { tasks: dialect === 'postgres' ? 80 : 160, workers: 4, burners: Math.min(cores, 2) }
}

/** a process that spins one core until killed (the first of them, on SQLite, also holding the database's write lock by turns) */
function burner(sqliteFile?: string): ChildProcess {
  return spawn(process.execPath, [path.join(__dirname, 'fixtures', 'burner.js'), ...(sqliteFile ? [sqliteFile] : [])], { stdio: 'ignore' })
}

/** repeats 2..5; periods 0 (due again at once) and 0.2 s (a run taken early shows as a short gap) */
export function plan(i: number): { name: string; repeats: number; period: number } {
  return { name: `stress${i}`, repeats: 2 + (i % 4), period: i % 3 === 0 ? 0.2 : 0 }
}

export function stressSuite(name: string, makeDb: () => Promise<DbFixture>): void {
  const size = stressSize(name)
  let fixture: DbFixture
  let tmp: string
  let marksFile: string
  let scheduler: Scheduler
  let closeAll: () => Promise<void>
  const workers: ChildProcess[] = []
  const burners: ChildProcess[] = []
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null
  const stopAll = async (list: ChildProcess[], signal: NodeJS.Signals) => {
    await Promise.all(list.map((c) => exited(c) ? undefined : new Promise((r) => { c.once('exit', r); c.kill(signal) })))
  }

  before(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-stress-'))
    marksFile = path.join(tmp, 'marks.txt')
    fs.writeFileSync(marksFile, '')
    fixture = await makeDb()
    process.env.QUARK_SCHED_URI = fixture.uri
    process.env.QUARK_SCHED_MARKS = marksFile
    scheduler = (await import('./fixtures/tasks')).scheduler
    closeAll = (await import('../../server/dal/index')).closeAllConnections
    assert.equal(await scheduler.taskStatus(-1), null) // the tables exist before the workers start
  })

  after(async () => {
    await stopAll(burners, 'SIGKILL')
    await stopAll(workers, 'SIGKILL')
    await closeAll()
    await fixture.drop()
    fs.rmSync(tmp, { recursive: true, force: true })
  })

  test(`${name}: ${size.tasks} repeating tasks, ${size.workers} workers, ${size.burners} CPU burners: every task runs exactly repeats times`, async () => {
    const db = scheduler.db
    const plans = Array.from({ length: size.tasks }, (_, i) => plan(i))
    const ids = new Map<string, number>()
    for (let i = 0; i < size.workers; i++) {
      // a heartbeat deadline a loaded machine misses: a worker late with its heartbeat must not lose its task to another
      const w = forkWorker({ source: { kind: 'module', file: path.join(__dirname, 'fixtures', 'tasks.ts') }, name: `s${i}-${process.pid}`,
        heartbeatMs: 200, deadAfterMs: 800, pollMs: 10, quiet: !process.env.QUARK_SCHED_VERBOSE }, { execArgv: ['--import', 'tsx'] })
      workers.push(w)
    }
    // the load starts once the workers are up (booting them under it only makes the test longer), then every
    // task becomes visible at once: the workers' first claims race for the same rows
    await waitFor(`${size.workers} ready workers`, async () => (await scheduler.workers()).filter((x) => x.stats.ready).length === size.workers, 120_000)
    const sqliteFile = fixture.uri.startsWith('sqlite://') ? fixture.uri.slice('sqlite://'.length) : undefined
    for (let i = 0; i < size.burners; i++) burners.push(burner(i === 0 ? sqliteFile : undefined))
    const t0 = Date.now()
    await db.transaction(async () => {
      for (const p of plans) ids.set(p.name, (await scheduler.queueTask('mark', { args: [p.name], repeats: p.repeats, period: p.period })).id)
    })
    const t = db.scheduler_task
    const settled = await waitFor('every stress task finished', async () => {
      const open = await db(t.function_name.eq('mark').and(t.status.belongs(['QUEUED', 'ASSIGNED', 'RUNNING']))).count()
      return open === 0 && !workers.some(exited) ? true : workers.some(exited) ? 'a worker exited' : undefined
    }, 600_000, 200)
    assert.equal(settled, true, String(settled))
    const seconds = (Date.now() - t0) / 1000
    // stop the workers before counting: nothing can add a run afterwards
    await stopAll(burners, 'SIGKILL')
    await stopAll(workers, 'SIGTERM')

    const marks = new Map<string, number>()
    for (const line of fs.readFileSync(marksFile, 'utf8').split('\n')) {
      const n = line.split(' ')[0]
      if (n) marks.set(n, (marks.get(n) ?? 0) + 1)
    }
    const r = db.scheduler_run
    const problems: string[] = []
    for (const p of plans) {
      const id = ids.get(p.name)!
      const s = (await scheduler.taskStatus(id))!
      const runs = [...await db(r.task_id.eq(id)).select({ orderby: r.id })] as any[]
      const completed = runs.filter((x) => x.status === 'COMPLETED').length
      const ran = marks.get(p.name) ?? 0
      if (s.status !== 'COMPLETED' || s.timesRun !== p.repeats || runs.length !== p.repeats || completed !== p.repeats || ran !== p.repeats) {
        problems.push(`${p.name} (repeats ${p.repeats}, period ${p.period}): status ${s.status}, timesRun ${s.timesRun}, ` +
          `${runs.length} run records [${runs.map((x) => `${x.status}@${x.worker_name}${x.traceback ? ` "${String(x.traceback).split('\n')[0]}"` : ''}`).join(', ')}], ran ${ran} times`)
      }
      for (let i = 1; i < runs.length && p.period > 0; i++) {
        const gap = Number(runs[i].start_time) - Number(runs[i - 1].stop_time)
        if (gap < p.period * 1000) problems.push(`${p.name}: runs ${i - 1} and ${i} are ${gap} ms apart (period ${p.period} s)`)
      }
    }
    assert.deepEqual(problems, [], `${problems.length} of ${plans.length} tasks ran a wrong number of times`)
    const total = plans.reduce((n, p) => n + p.repeats, 0)
    assert.equal(await db(r.id.gt(0)).count(), total, 'no run record for anything else')
    console.log(`# ${name} stress: ${plans.length} tasks, ${total} runs, ${size.workers} workers, ${size.burners} burners, in ${seconds.toFixed(1)} s: exact`)
  })
}
