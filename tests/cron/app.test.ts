// Cron with the real runTask: lines run in the app's environment (models loaded) through runInApp,
// and an error becomes a ticket.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { HardCron, listApps, runDueOnce, defaultRunTask, type CronRunRecord } from '../../server/cron/index'
import { listTickets } from '../../server/tickets/index'
import { DAL, Field, closeAllConnections } from '../../server/dal/index'
import { makeSite, sleep, fastClock } from './helpers'

after(() => closeAllConnections())

function writeApp(appFolder: string): void {
  const w = (rel: string, text: string) => { fs.mkdirSync(path.dirname(path.join(appFolder, rel)), { recursive: true }); fs.writeFileSync(path.join(appFolder, rel), text) }
  w('models/db.ts', `export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('hit', Field('name', 'string'), Field('at', 'bigint'))
`)
  w('controllers/default.ts', `export async function tick() { await db.hit.insert({ name: 'tick:' + request.args(0) + ':' + request.vars.k, at: Date.now() }) }
export async function boom() { await db.hit.insert({ name: 'rolled back', at: Date.now() }); throw new Error('boom on purpose') }
`)
  w('private/job.ts', `await db.hit.insert({ name: 'script', at: Date.now() })
`)
}

async function hits(appFolder: string): Promise<string[]> {
  const db = new DAL('sqlite://storage.sqlite', { folder: path.join(appFolder, 'databases') })
  db.defineTable('hit', Field('name', 'string'), Field('at', 'bigint'))
  return [...(await db(db.hit).select({ orderby: db.hit.id }))].map((r) => r.name as string)
}

test('hard cron with runInApp: actions and scripts run with the models, a broken line is reported, an error becomes a ticket', async (t) => {
  const site = makeSite({})
  t.after(site.cleanup)
  const appFolder = path.join(site.appsFolder, 'jobs')
  writeApp(appFolder)
  fs.mkdirSync(path.join(appFolder, 'cron'), { recursive: true })
  fs.writeFileSync(path.join(appFolder, 'cron', 'crontab'), [
    '* * * * * *jobs/default/tick/a?k=v',
    '*/2 * * * * private/job.ts',
    '* * * * * * *jobs/default/broken_line',
    '* * * * * *jobs/default/boom',
  ].join('\n'))
  const logs: string[] = []
  const records: CronRunRecord[] = []
  const cron = new HardCron(listApps(site.root), {
    runTask: defaultRunTask, clock: fastClock(new Date('2026-05-01T10:00:30'), 60),
    logger: (m) => logs.push(m), onRun: (r) => records.push(r),
  }).start()
  await sleep(4500)
  await cron.stop()
  const names = await hits(appFolder)
  const ticks = names.filter((n) => n === 'tick:a:v').length
  assert.ok(ticks >= 2, `tick ran ${ticks} times: ${names.join(',')}`)
  assert.ok(names.includes('script'), 'the script line ran with the models: ' + JSON.stringify(records.filter((r) => r.task === 'private/job.ts')))
  assert.ok(!names.includes('rolled back'), 'the failing action was rolled back')
  assert.ok(logs.some((l) => /crontab line 3 skipped/.test(l)), logs.join('\n'))
  const failed = records.filter((r) => r.task === '*jobs/default/boom')
  assert.ok(failed.length >= 2 && failed.every((r) => !r.ok && r.error === 'boom on purpose' && r.ticket))
  const tickets = await listTickets(appFolder)
  assert.ok(tickets.length >= 2)
  assert.ok(tickets.some((tk) => tk.id === failed[0]!.ticket && /boom on purpose/.test(tk.error)), JSON.stringify(tickets[0]))
})

test('external cron with runInApp', async (t) => {
  const site = makeSite({})
  t.after(site.cleanup)
  const appFolder = path.join(site.appsFolder, 'ext')
  writeApp(appFolder)
  fs.mkdirSync(path.join(appFolder, 'cron'), { recursive: true })
  fs.writeFileSync(path.join(appFolder, 'cron', 'crontab'), '* * * * * *ext/default/tick/x?k=y\n')
  const [res] = await runDueOnce(site.root, { logger: () => {} })
  assert.equal(res!.runs.length, 1)
  assert.ok(res!.runs[0]!.ok, res!.runs[0]!.error)
  assert.deepEqual(await hits(appFolder), ['tick:x:y'])
})
