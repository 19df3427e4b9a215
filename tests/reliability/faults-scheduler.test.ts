// Faults (#17 item 3): scheduler workers SIGKILLed in the middle of tasks, on SQLite, MySQL and
// PostgreSQL. 8 tasks of 1.5 s through 3 worker processes; two workers are killed while running a task
// (each kill waits for its task to have started: events, not timers). Every task must end
// COMPLETED (0 lost) and have completed exactly once (0 run twice: one "done" mark, one
// COMPLETED run), a killed run recorded as failed, not as completed.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { forkWorker } from '../../server/scheduler/index'
import { closeAllConnections } from '../../server/dal/index'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'
import { makeScheduler } from './apps/sched-tasks'
import { waitFor } from './lib/proc'
import { figure } from './lib/figures'

const TASKS = 8
const TASK_MS = 1500
const KILLS = 2

for (const dbKind of ['sqlite', 'postgres', 'mysql'] as const) {
  test(`scheduler workers killed mid-task: ${dbKind}`, { timeout: 300_000 }, async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-sched-'))
    const marks = path.join(tmp, 'marks.txt')
    fs.writeFileSync(marks, '')
    let pgdb: TestDatabase | undefined
    const workers: ChildProcess[] = []
    try {
      if (dbKind !== 'sqlite') pgdb = await createTestDatabase(dbKind, 'rel_sched')
      const uri = pgdb ? pgdb.uri : `sqlite://${path.join(tmp, 'sched.sqlite')}`
      const scheduler = makeScheduler(uri, marks)
      assert.equal(await scheduler.taskStatus(-1), null) // tables made before the workers start
      const env = { ...process.env, QUARK_REL_SCHED_URI: uri, QUARK_REL_SCHED_MARKS: marks }
      const names = [0, 1, 2].map((i) => `rel${i}-${process.pid}-${dbKind}`)
      const saved = { ...process.env }
      Object.assign(process.env, env)
      try {
        for (const name of names) workers.push(forkWorker({ source: { kind: 'module', file: path.join(__dirname, 'apps', 'sched-tasks.ts') }, name, heartbeatMs: 250, deadAfterMs: 2000, pollMs: 50, quiet: true }, { execArgv: ['--import', 'tsx'] }))
      } finally { process.env = saved }
      await waitFor('3 ready workers', async () => (await scheduler.workers()).filter((w) => w.stats.ready).length === 3, 120_000)
      const ids: number[] = []
      for (let i = 0; i < TASKS; i++) ids.push((await scheduler.queueTask('work', { args: [`t${i}`, TASK_MS], timeout: 60 })).id)
      const lines = () => fs.readFileSync(marks, 'utf8').split('\n').filter(Boolean)
      const killed: string[] = []
      const midTask: boolean[] = []
      const lateKills: string[] = []
      for (let k = 0; k < KILLS; k++) {
        // a task running on a worker not yet killed, whose start mark is written
        const victim = await waitFor('a running task', async () => {
          for (const id of ids) {
            const s = await scheduler.taskStatus(id)
            if (s?.status !== 'RUNNING' || !s.assignedWorkerName || killed.includes(s.assignedWorkerName)) continue
            const key = `t${ids.indexOf(id)}`
            const started = lines().some((l) => l.startsWith(`start ${key} `))
            const done = lines().some((l) => l.startsWith(`done ${key} `))
            if (started && !done) return { worker: s.assignedWorkerName, key }
          }
          return undefined
        }, 60_000, 20)
        const w = workers[names.indexOf(victim.worker)]!
        w.kill('SIGKILL')
        await new Promise((r) => w.once('exit', r))
        killed.push(victim.worker)
        // the kill landed in the middle of the task: its done mark was not written before the worker died
        const mid = !lines().some((l) => l.startsWith(`done ${victim.key} `))
        midTask.push(mid)
        // a kill that landed after the task's end but before its completion was recorded re-runs it
        // by design (at least once): such a task is not counted as run twice
        if (!mid) lateKills.push(victim.key)
      }
      // the last worker alone finishes everything, the killed workers' tasks included
      await waitFor('every task finished', async () => {
        for (const id of ids) if (!['COMPLETED', 'FAILED', 'TIMEOUT', 'EXPIRED', 'STOPPED'].includes((await scheduler.taskStatus(id))!.status)) return false
        return true
      }, 240_000, 200)
      const statuses = await Promise.all(ids.map((id) => scheduler.taskStatus(id)))
      const lost = statuses.filter((s) => s!.status !== 'COMPLETED').map((s) => `${s!.id}:${s!.status}`)
      const done = new Map<string, number>()
      for (const l of lines()) if (l.startsWith('done ')) done.set(l.split(' ')[1]!, (done.get(l.split(' ')[1]!) ?? 0) + 1)
      const twice = [...done].filter(([k, n]) => n > 1 && !lateKills.includes(k)).map(([k]) => k)
      const completedRuns = await Promise.all(ids.map(async (id) => (await scheduler.taskRuns(id)).filter((r) => r.status === 'COMPLETED').length))
      figure('faults', `scheduler workers killed mid-task, ${dbKind}`, { tasks: TASKS, workersKilled: killed.length, killsMidTask: midTask.filter(Boolean).length, lost: lost.length, completedTwice: twice.length, starts: lines().filter((l) => l.startsWith('start ')).length })
      assert.deepEqual(lost, [], 'no task lost')
      assert.deepEqual(twice, [], 'no task completed twice')
      assert.equal(done.size, TASKS, 'every task completed')
      assert.ok(completedRuns.every((n) => n === 1), `one COMPLETED run per task: ${completedRuns.join(',')}`)
      assert.ok(midTask.some(Boolean), 'at least one kill landed in the middle of a task')
    } finally {
      for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGTERM')
      await Promise.all(workers.map((w) => (w.exitCode !== null || w.signalCode !== null) ? undefined : new Promise((r) => w.once('exit', r))))
      await closeAllConnections()
      await pgdb?.drop()
      fs.rmSync(tmp, { recursive: true, force: true })
    }
  })
}
