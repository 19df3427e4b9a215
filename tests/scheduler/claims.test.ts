// The scheduler's compare-and-set state changes (claims.ts), driven step by step against each database, so
// that the races the stress test finds by chance are played here in a chosen order: a claim made from a read
// that the task has moved on from, a worker whose claim was released (presumed dead) finishing its run, a
// stopTask during a run, two claims of one task at once.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { DAL, closeAllConnections } from '../../server/dal/index'
import { Scheduler } from '../../server/scheduler/index'
import { nextState, recordRun, releaseClaims, takeTask, type Claim } from '../../server/scheduler/claims'
import type { Outcome } from '../../server/scheduler/executor'
import { createTestDatabase, type TestDatabase } from '../helpers/databases'

const GROUPS = ['main']
const completed: Outcome = { status: 'COMPLETED', result: '"done"', output: 'out' }
const drops: Array<() => Promise<void>> = []

after(async () => {
  await closeAllConnections()
  for (const d of drops) await d()
})

async function sqliteUri(): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-claims-'))
  drops.push(async () => fs.rmSync(dir, { recursive: true, force: true }))
  return `sqlite://${path.join(dir, 'claims.sqlite')}`
}

async function serverUri(kind: 'postgres' | 'mysql'): Promise<string> {
  const d: TestDatabase = await createTestDatabase(kind, 'sched_claims')
  drops.push(() => d.drop())
  return d.uri
}

for (const [dialect, makeUri] of [['sqlite', sqliteUri], ['postgres', () => serverUri('postgres')], ['mysql', () => serverUri('mysql')]] as const) {
  test(`claims on ${dialect}`, async (t) => {
    const db = new DAL(await makeUri())
    const scheduler = new Scheduler(db, { tasks: { job: () => 'done' }, applicationName: 'claims' })
    const tx = <R>(fn: () => Promise<R>) => db.transaction(fn) as Promise<R>
    const take = (id: number, worker: string, now = Date.now()) => tx(() => takeTask(db, id, worker, GROUPS, now))
    const record = (c: Claim, o: Outcome, worker: string) => {
      const stopped = Date.now()
      return tx(() => recordRun(db, c, o, stopped, nextState(c, o, stopped, worker)))
    }
    const runs = async (id: number) => [...await db(db.scheduler_run.task_id.eq(id)).select({ orderby: db.scheduler_run.id })] as any[]

    await t.test('a task run and queued again for later is not taken by a claim made from an earlier read', async () => {
      const { id } = await scheduler.queueTask('job', { repeats: 3, period: 60 })
      const readAt = Date.now() // worker B reads the task as due, then is slow to claim it
      const a = (await take(id, 'A', readAt))!
      assert.ok(a, 'A claims the due task')
      assert.equal(await record(a, completed, 'A'), true)
      const queued = (await scheduler.taskStatus(id))!
      assert.equal(queued.status, 'QUEUED')
      assert.equal(queued.timesRun, 1)
      assert.ok(queued.nextRunTime!.getTime() >= Date.now() + 50_000, 'the next run is a period away')
      // B's claim, as of its earlier read (when the task was due) and as of now: the task is QUEUED again but not due
      assert.equal(await take(id, 'B', readAt), undefined, 'a claim from the earlier read is refused')
      assert.equal(await take(id, 'B'), undefined, 'not due yet')
      const s = (await scheduler.taskStatus(id))!
      assert.equal(s.status, 'QUEUED')
      assert.equal(s.timesRun, 1)
      assert.equal((await runs(id)).length, 1, 'one run record')
    })

    await t.test('a claim sees the task as it is after the claim, so the count of runs goes on from there', async () => {
      const { id } = await scheduler.queueTask('job', { repeats: 3, period: 0 })
      const readAt = Date.now()
      for (const [i, w] of ['A', 'B', 'C'].entries()) {
        const c = (await take(id, w, Math.max(readAt, Date.now())))!
        assert.ok(c, `run ${i + 1} claimed`)
        assert.equal(Number(c.task.times_run), i, `the claim of run ${i + 1} knows of ${i} runs`)
        assert.equal(await record(c, completed, w), true)
      }
      const s = (await scheduler.taskStatus(id))!
      assert.equal(s.status, 'COMPLETED')
      assert.equal(s.timesRun, 3)
      assert.deepEqual((await runs(id)).map((r) => r.status), ['COMPLETED', 'COMPLETED', 'COMPLETED'])
      assert.equal(await take(id, 'D'), undefined, 'no fourth run')
    })

    await t.test('a worker whose claim was released (presumed dead) finds it gone and writes nothing', async () => {
      const { id } = await scheduler.queueTask('job', { repeats: 1 })
      const a = (await take(id, 'A'))!
      assert.equal(await tx(() => releaseClaims(db, 'A', Date.now(), 'worker A stopped sending heartbeats')), 1)
      const b = (await take(id, 'B'))!
      assert.ok(b, 'B claims the released task')
      assert.notEqual(b.runId, a.runId)
      assert.equal(await record(a, completed, 'A'), false, "A's result is refused")
      const during = (await scheduler.taskStatus(id))!
      assert.equal(during.status, 'RUNNING')
      assert.equal(during.assignedWorkerName, 'B')
      assert.equal(during.timesRun, 0)
      const [first] = await runs(id)
      assert.equal(first.status, 'FAILED', "A's run stays closed as the recoverer closed it")
      assert.match(first.traceback, /stopped sending heartbeats/)
      assert.equal(await record(b, completed, 'B'), true)
      const s = (await scheduler.taskStatus(id))!
      assert.equal(s.status, 'COMPLETED')
      assert.equal(s.timesRun, 1)
      assert.deepEqual((await runs(id)).map((r) => `${r.status}@${r.worker_name}`), ['FAILED@A', 'COMPLETED@B'])
      assert.equal(await tx(() => releaseClaims(db, 'A', Date.now(), 'again')), 0, 'nothing of A is left to release')
    })

    await t.test('stopTask during a run: the task stays STOPPED, the run is closed as it ended', async () => {
      const { id } = await scheduler.queueTask('job', { repeats: 2 })
      const a = (await take(id, 'A'))!
      assert.equal(await scheduler.stopTask(id), true)
      assert.equal(await record(a, { status: 'STOPPED', output: '', traceback: 'stopped' }, 'A'), true)
      let s = (await scheduler.taskStatus(id))!
      assert.equal(s.status, 'STOPPED')
      assert.equal(s.timesRun, 0)
      assert.equal(s.run!.status, 'STOPPED')
      // one that completed just before the stop reached it counts
      const { id: id2 } = await scheduler.queueTask('job', { repeats: 2 })
      const c = (await take(id2, 'A'))!
      await scheduler.stopTask(id2)
      assert.equal(await record(c, completed, 'A'), true)
      s = (await scheduler.taskStatus(id2))!
      assert.equal(s.status, 'STOPPED')
      assert.equal(s.timesRun, 1)
      assert.equal(s.run!.status, 'COMPLETED')
      assert.equal(await take(id2, 'B'), undefined)
    })

    await t.test('two claims of one task at once: exactly one wins', async () => {
      for (let i = 0; i < 10; i++) {
        const { id } = await scheduler.queueTask('job')
        const claims = (await Promise.all(['A', 'B', 'C'].map((w) => take(id, w)))).filter(Boolean)
        assert.equal(claims.length, 1)
        assert.equal((await runs(id)).length, 1)
      }
    })
  })
}
