// queueTask inside a caller's transaction on SQLite while another process holds the write lock: the cause of
// the stress test's "database is locked" (sqlite: 160 repeating tasks, 4 workers, 2 CPU burners, when the whole
// folder ran on a loaded machine). queueTask used to read (the uuid check) before it wrote: inside a transaction
// that read opens a snapshot, and when the other process commits, the insert finds it stale and SQLite answers
// SQLITE_BUSY at once, without waiting. Played here in that order: a second process holds the write lock and
// commits a row while queueTask waits; every task must be queued, and a duplicate uuid is still named as such.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawn } from 'node:child_process'
import { DAL, closeAllConnections } from '../../server/dal/index'
import { Scheduler } from '../../server/scheduler/index'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-locked-'))
after(async () => {
  await closeAllConnections()
  fs.rmSync(dir, { recursive: true, force: true })
})

/** Another process: takes the write lock, says so, writes a row, holds the lock `ms`, commits, exits. */
const HOLDER = `
// better-sqlite3, or node:sqlite where its addon is not built for this Node (npm run test:lts)
let db
try { db = new (require('better-sqlite3'))(process.argv[1]) } catch { db = new (require('node:sqlite').DatabaseSync)(process.argv[1]) }
db.exec('PRAGMA busy_timeout = 5000')
db.exec('CREATE TABLE IF NOT EXISTS other (x INTEGER)')
db.exec('BEGIN IMMEDIATE')
db.prepare('INSERT INTO other VALUES (1)').run()
process.stdout.write('locked\\n')
const end = Date.now() + Number(process.argv[2])
while (Date.now() < end) Math.sqrt(Math.random())
db.exec('COMMIT')
process.stdout.write('committed\\n')
`

function holdWriteLock(file: string, ms: number): Promise<{ committed: Promise<void> }> {
  const child = spawn(process.execPath, ['-e', HOLDER, file, String(ms)], { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.join(__dirname, '..', '..') })
  let out = ''
  return new Promise((resolve, reject) => {
    const committed = new Promise<void>((done, fail) => child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`holder exited ${code}: ${out}`)))))
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString()
      if (out.includes('locked')) resolve({ committed })
    })
    child.on('error', reject)
    committed.catch(reject)
  })
}

test('queueTask in a transaction waits for another process\'s write lock instead of failing with "database is locked"', { timeout: 120_000 }, async () => {
  const file = path.join(dir, 'locked.sqlite')
  const db = new DAL(`sqlite://${file}`)
  const scheduler = new Scheduler(db, { tasks: { job: () => 'done' }, applicationName: 'locked' })
  assert.equal(await scheduler.taskStatus(-1), null) // the tables exist
  await db.commit()

  for (let round = 0; round < 3; round++) {
    const holder = await holdWriteLock(file, 1500)
    // the caller's transaction (a request's, a batch): the queued tasks all or none
    const queued = await db.transaction(async () => {
      const out: number[] = []
      for (let i = 0; i < 5; i++) out.push((await scheduler.queueTask('job', { uuid: `r${round}-t${i}` })).id)
      return out
    })
    await holder.committed
    assert.equal(queued.length, 5)
    assert.equal(await db(db.scheduler_task.uuid.startsWith(`r${round}-`)).count(), 5, `round ${round}: every task is queued`)
  }
  // the uuid check, now after the insert, still names a duplicate (inside a transaction too)
  await assert.rejects(scheduler.queueTask('job', { uuid: 'r0-t0' }), (e: Error & { code?: string }) => e.code === 'QK_SCHED_DUPLICATE_UUID' && /already queued/.test(e.message))
  await assert.rejects(db.transaction(() => scheduler.queueTask('job', { uuid: 'r1-t1' })), (e: Error & { code?: string }) => e.code === 'QK_SCHED_DUPLICATE_UUID')
  assert.equal(await db(db.scheduler_task.uuid.eq('r0-t0')).count(), 1)
  // and a missing parent still rolls the task back
  await assert.rejects(scheduler.queueTask('job', { uuid: 'orphan', dependsOn: [999_999] }), /no task with id 999999/)
  assert.equal(await db(db.scheduler_task.uuid.eq('orphan')).count(), 0)
})
