import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runInApp, appShellEnvironment } from '../../server/environment'
import { listTickets } from '../../server/tickets'
import { registerTransactional, current } from '../../server/current'
import { writeApp } from '../helpers/server'

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-runinapp-'))
after(() => fs.rmSync(tmp, { recursive: true, force: true }))
const app = path.join(tmp, 'applications', 'jobs')
const log: string[] = []
;(globalThis as Record<string, unknown>).__quarkRunTx = () => registerTransactional({ commit: () => { log.push('commit') }, rollback: () => { log.push('rollback') }, release: () => { log.push('release') } })

writeApp(app, {
  'models/db.ts': `export const base = 10\n;(globalThis as any).__quarkRunTx()`,
  'controllers/tasks.ts': `export function add() { return base + Number(request.args(0)) + Number(request.vars.extra ?? 0) }\nexport function fail() { throw new Error('task failed') }\nexport function _hidden() { return 1 }`,
})

test('runInApp runs an action with models loaded, in a transaction', async () => {
  log.length = 0
  assert.equal(await runInApp(app, 'jobs', { controller: 'tasks', function: 'add', args: ['5'], vars: { extra: '1' } }), 16)
  assert.deepEqual(log, ['commit', 'release'])
})

test('runInApp runs a script whose return value is the result; current works there', async () => {
  assert.equal(await runInApp(app, 'jobs', { script: 'const x: number = base * 2\nreturn x + ":" + current.application' }), '20:jobs')
})

test('errors roll back and become tickets', async () => {
  log.length = 0
  await assert.rejects(runInApp(app, 'jobs', { controller: 'tasks', function: 'fail' }), (e: Error & { ticket?: string }) => {
    assert.equal(e.message, 'task failed')
    assert.ok(e.ticket)
    return true
  })
  assert.deepEqual(log, ['rollback', 'release'])
  const t = await listTickets(app)
  assert.equal(t.length, 1)
  assert.match(t[0]!.error, /task failed/)
})

test('bad run requests are refused', async () => {
  await assert.rejects(runInApp(app, 'jobs', { controller: 'tasks', function: '_hidden' }), /Invalid run request/)
  await assert.rejects(runInApp(app, 'jobs', { controller: '../x', function: 'a' }), /Invalid run request/)
  await assert.rejects(runInApp(path.join(tmp, 'none'), 'none', { script: '1' }), /Invalid run request/)
})

test('appShellEnvironment gives the models-executed environment and runs code in the app context', async () => {
  const sh = await appShellEnvironment(app, 'jobs')
  assert.equal(sh.env.base, 10)
  assert.equal(sh.run(() => current.application), 'jobs')
  await sh.commit()
  await sh.close()
})
