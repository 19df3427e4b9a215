// Scheduler throughput: tasks per second through 3 worker processes, on SQLite and on PostgreSQL.
//   node --import tsx tests/bench/scheduler.ts [--tasks N] [--workers W] [--db sqlite|postgres|all]
// Tasks are queued while the workers are disabled, then the workers are resumed and timed until
// every task is COMPLETED (each run claimed atomically, run in the worker's child process, recorded).
import crypto from 'node:crypto'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import pg from 'pg'
import type { ChildProcess } from 'node:child_process'

const argv = process.argv.slice(2)
const opt = (name: string, dflt: string) => { const i = argv.indexOf(name); return i >= 0 && argv[i + 1] ? argv[i + 1]! : dflt }
const TASKS = Number(opt('--tasks', '1000'))
const WORKERS = Number(opt('--workers', '3'))
const WHICH = opt('--db', 'all')
const fixture = path.join(__dirname, '..', 'scheduler', 'fixtures', 'tasks.ts')

async function pgAdmin(sql: string): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'postgres' })
  await c.connect()
  try { await c.query(sql) } finally { await c.end() }
}

// one database per child process: the DAL's connections are per process
async function runOne(kind: 'sqlite' | 'postgres'): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-sched-bench-'))
  const pgName = `quark_test_${crypto.randomBytes(6).toString('hex')}`
  if (kind === 'postgres') await pgAdmin(`CREATE DATABASE ${pgName}`)
  process.env.QUARK_SCHED_URI = kind === 'sqlite' ? `sqlite://${path.join(tmp, 'bench.sqlite')}` : `postgres://postgres@127.0.0.1:5432/${pgName}`
  process.env.QUARK_SCHED_MARKS = path.join(tmp, 'marks.txt')
  const { scheduler } = await import('../scheduler/fixtures/tasks')
  const { forkWorker } = await import('../../server/scheduler/index')
  const { closeAllConnections } = await import('../../server/dal/index')
  const db = scheduler.db
  const t = db.scheduler_task
  const workers: ChildProcess[] = []
  try {
    await scheduler.taskStatus(-1) // creates the tables
    for (let i = 0; i < WORKERS; i++) {
      workers.push(forkWorker({ source: { kind: 'module', file: fixture }, heartbeatMs: 250, pollMs: 20, quiet: true }, { execArgv: ['--import', 'tsx'] }))
    }
    while ((await scheduler.workers()).length < WORKERS) await new Promise((r) => setTimeout(r, 50))
    await scheduler.disable()
    await new Promise((r) => setTimeout(r, 300)) // every worker has seen it
    const q0 = performance.now()
    await db.transaction(async () => { for (let i = 0; i < TASKS; i++) await scheduler.queueTask('add', { args: [i, 1] }) })
    const queueMs = performance.now() - q0
    const t0 = performance.now()
    await scheduler.resume()
    while ((await db(t.status.eq('COMPLETED')).count()) < TASKS) await new Promise((r) => setTimeout(r, 20))
    const s = (performance.now() - t0) / 1000
    const runs = await db(db.scheduler_run.status.eq('COMPLETED')).count()
    console.log(`${kind.padEnd(8)} ${TASKS} tasks, ${WORKERS} workers: ${(TASKS / s).toFixed(0)} tasks/s (${s.toFixed(2)} s; queueing ${(TASKS / (queueMs / 1000)).toFixed(0)} tasks/s; ${runs} runs recorded)`)
  } finally {
    for (const w of workers) w.kill('SIGTERM')
    await Promise.all(workers.map((w) => new Promise((r) => w.once('exit', r))))
    await closeAllConnections()
    if (kind === 'postgres') await pgAdmin(`DROP DATABASE IF EXISTS ${pgName} WITH (FORCE)`)
    fs.rmSync(tmp, { recursive: true, force: true })
  }
}

async function main(): Promise<void> {
  const kinds = WHICH === 'all' ? ['sqlite', 'postgres'] as const : [WHICH as 'sqlite' | 'postgres']
  if (process.env.QUARK_SCHED_BENCH_ONE) return runOne(process.env.QUARK_SCHED_BENCH_ONE as 'sqlite' | 'postgres')
  const { spawnSync } = await import('node:child_process')
  console.log(`scheduler throughput (${os.cpus().length} cores)`)
  for (const k of kinds) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', __filename, ...argv], { stdio: 'inherit', env: { ...process.env, QUARK_SCHED_BENCH_ONE: k } })
    if (r.status !== 0) process.exitCode = 1
  }
}

main().then(() => { if (process.env.QUARK_SCHED_BENCH_ONE) process.exit(0) }, (e) => { console.error(e); process.exit(1) })
