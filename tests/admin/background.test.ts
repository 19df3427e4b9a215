// The admin's background page over real HTTPS: an app's crontab (one bad line shown with its line
// number), cron runs written by server/cron's real runner (an error linking to its ticket), and the
// scheduler's tasks, runs and workers read from the app's own database; hostile names escaped;
// nothing shown without the admin login.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { type TestServer, type Agent } from '../helpers/server'
import { startAdminServer, loggedIn } from './helpers'
import { runDueOnce } from '../../server/cron/index'
import { forkWorker } from '../../server/scheduler/index'
import { runInApp } from '../../server/environment/index'
import { closeAllConnections } from '../../server/dal/index'

const HOSTILE = '<img src=x onerror=alert(1)>'

const JOBS_APP = {
  'models/db.ts': `export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('hit', Field('name', 'string'))
export const scheduler = new Scheduler(db, { tasks: {
  shout(s: string) { return s.toUpperCase() },
  fail() { throw new Error('failed <b>on purpose</b>') },
} })
`,
  'controllers/default.ts': `export async function tick() { await db.hit.insert({ name: 'tick' }); return 'ok' }
export function boom() { throw new Error('cron boom on purpose') }
`,
  'cron/crontab': [
    '# jobs of the test',
    '* * * * * *jobs/default/tick',
    '61 * * * * *jobs/default/tick',
    '* * * * * *jobs/default/boom',
  ].join('\n') + '\n',
}

let s: TestServer
let agent: Agent

before(async () => {
  s = await startAdminServer({ apps: { jobs: JOBS_APP, plain: { 'controllers/default.ts': 'export function index() { return "hi" }\n' } } })
  ;({ agent } = await loggedIn(s))
})
after(async () => { await s.stop(); await closeAllConnections() })

test('crontab with its bad line, and cron runs from the real runner with a ticket link', async () => {
  const [res] = await runDueOnce(s.folder, { apps: ['jobs'], logger: () => {} })
  assert.equal(res!.runs.length, 2, JSON.stringify(res))
  const boom = res!.runs.find((r) => r.task === '*jobs/default/boom')!
  assert.ok(!boom.ok && boom.ticket, 'the failing line stored a ticket')
  const r = await agent.request('/admin/background/index/jobs')
  assert.equal(r.status, 200, r.body.slice(0, 500))
  assert.match(r.body, /<title>Background work of jobs/)
  assert.match(r.body, /id="back-link" href="\/admin\/design\/index\/jobs"/)
  assert.equal((r.body.match(/class="qk-cron-entry"/g) ?? []).length, 2)
  assert.match(r.body, /<tr class="qk-cron-bad[^"]*" data-line="3"><td>3<\/td><td><code>61 \* \* \* \* \*jobs\/default\/tick<\/code><\/td><td class="small">skipped: [^<]+/)
  assert.equal((r.body.match(/class="qk-cron-run" data-ok="1"/g) ?? []).length, 1)
  assert.equal((r.body.match(/class="qk-cron-run" data-ok="0"/g) ?? []).length, 1)
  assert.match(r.body, /cron boom on purpose/)
  const link = `/admin/errors/ticket/jobs/${encodeURIComponent(boom.ticket!)}`
  assert.ok(r.body.includes(`href="${link}"`), 'the error links to its ticket')
  const ticket = await agent.request(link)
  assert.equal(ticket.status, 200)
  assert.match(ticket.body, /cron boom on purpose/)
  assert.match((await agent.request('/admin/default/index')).body, /href="\/admin\/background\/index\/jobs"/, 'the site page links to it')
  assert.match((await agent.request('/admin/design/index/jobs')).body, /href="\/admin\/background\/index\/jobs"/, 'the design page links to it')
})

test('scheduler tasks, runs and workers, escaped', async (t) => {
  const run = (code: string) => runInApp(s.appFolder('jobs'), 'jobs', { script: `return (async () => { ${code} })()` }) as Promise<any>
  const later = Date.now() + 3600_000
  await run(`await scheduler.queueTask('shout', { args: ['a'], startTime: ${later}, taskName: ${JSON.stringify(HOSTILE)} })
    await scheduler.queueTask('shout', { args: ['b'], startTime: ${later}, repeats: 0, period: 30 })`)
  const shout = await run(`return scheduler.queueTask('shout', { args: ['hello'] })`)
  const fail = await run(`return scheduler.queueTask('fail')`)
  const worker = forkWorker({ source: { kind: 'app', folder: s.appFolder('jobs'), app: 'jobs' }, heartbeatMs: 250, pollMs: 50, quiet: true }, { execArgv: ['--import', 'tsx'] })
  t.after(() => { if (worker.exitCode === null) worker.kill('SIGKILL') })
  const deadline = Date.now() + 60_000
  for (;;) {
    const st = await run(`return [(await scheduler.taskStatus(${shout.id})).status, (await scheduler.taskStatus(${fail.id})).status]`)
    if (st[0] === 'COMPLETED' && st[1] === 'FAILED') break
    assert.ok(Date.now() < deadline, `tasks not done: ${st}`)
    await new Promise((r) => setTimeout(r, 200))
  }
  const r = await agent.request('/admin/background/index/jobs')
  assert.equal(r.status, 200, r.body.slice(0, 500))
  assert.equal((r.body.match(/class="qk-task" data-status="QUEUED"/g) ?? []).length, 2)
  assert.match(r.body, /class="qk-task" data-status="COMPLETED"/)
  assert.match(r.body, /class="qk-task" data-status="FAILED"/)
  assert.match(r.body, /data-status="QUEUED">QUEUED 2</)
  assert.ok(!r.body.includes(HOSTILE), 'the hostile task name is not written raw')
  assert.ok(r.body.includes('&lt;img src=x onerror=alert(1)&gt;'), 'it is shown escaped')
  assert.match(r.body, /class="qk-run" data-status="COMPLETED"[\s\S]*?&quot;HELLO&quot;/)
  assert.match(r.body, /qk-traceback">[^<]*failed &lt;b&gt;on purpose&lt;\/b&gt;/)
  assert.ok(!r.body.includes('<b>on purpose</b>'))
  assert.match(r.body, /class="qk-worker" data-status="ACTIVE"/, 'the running worker is listed')
  worker.kill('SIGTERM')
  await new Promise((res) => worker.once('exit', res))
})

test('an app without scheduler or crontab; bad app names; no login, no page', async () => {
  const p = await agent.request('/admin/background/index/plain')
  assert.equal(p.status, 200)
  assert.match(p.body, /id="no-scheduler"/)
  assert.match(p.body, /No crontab lines/)
  assert.match(p.body, /No cron run logged yet/)
  assert.equal((await agent.request('/admin/background/index/nosuchapp')).status, 404)
  assert.notEqual((await agent.request('/admin/background/index/..%2f..')).status, 200)
  const anon = await s.request('/admin/background/index/jobs')
  assert.equal(anon.status, 303, 'not logged in: to the login page')
  assert.match(String(anon.headers.location), /\/admin\/default\/login/)
  assert.doesNotMatch(anon.body, /jobs\/default\/tick/)
})
