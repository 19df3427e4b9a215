import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { startServer, type TestServer } from '../helpers/server'
import { listTickets, readTicket, deleteTicket } from '../../server/tickets'
import { registerTransactional } from '../../server/current'
import { defineError } from '../../server/errors'

const QK_TEST_CLIENT_MISTAKE = defineError('QK_TEST_CLIENT_MISTAKE', 422, 'Bad thing: %s')
;(globalThis as Record<string, unknown>).__quarkTestClientError = () => new QK_TEST_CLIENT_MISTAKE('wrong input')

const log: string[] = []
;(globalThis as Record<string, unknown>).__quarkTestTx = (name: string) => registerTransactional({
  commit: () => { log.push(`commit ${name}`) },
  rollback: () => { log.push(`rollback ${name}`) },
  release: () => { log.push(`release ${name}`) },
})

let s: TestServer
// the throw is on line 9 of the TypeScript source; types and interfaces above shift the compiled JS lines
const controller = [
  'interface Order { id: number; total: number }',   // 1
  'type Maybe<T> = T | undefined',                   // 2
  'const secretSauce: string = "SECRET-SOURCE-CODE"', // 3
  'export function boom() {',                         // 4
  '  const o: Maybe<Order> = undefined',              // 5
  '  ;(globalThis as any).__quarkTestTx("boom")',     // 6
  '  void secretSauce',                               // 7
  '  if (!o) {',                                      // 8
  '    throw new Error("kaboom " + request.vars.user)', // 9
  '  }',                                              // 10
  '  return "never"',                                 // 11
  '}',                                                // 12
  'export function fine() { ;(globalThis as any).__quarkTestTx("fine"); return "ok" }',
  'export function clientError() { ;(globalThis as any).__quarkTestTx("client"); throw (globalThis as any).__quarkTestClientError() }',
  'export function moved() { ;(globalThis as any).__quarkTestTx("moved"); redirect("/x") }',
].join('\n')

before(async () => {
  s = await startServer({
    apps: {
      app: { 'controllers/default.ts': controller },
      badmodel: { 'models/db.ts': 'export const x = 1\nthrow new Error("model failed")', 'controllers/default.ts': 'export function index() { return "x" }' },
      syntax: { 'controllers/default.ts': 'export function index() { return "x" \n let = = 3 }' },
    },
  })
})
after(() => s.stop())

test('an uncaught error: 500 page with only the ticket id, ticket with mapped stack, source and masked vars', async () => {
  const r = await s.request('/app/default/boom?user=ann', { form: { password: 'hunter2', apiToken: 'tok', note: 'hello' } })
  assert.equal(r.status, 500)
  const m = /Ticket issued: app\/([A-Za-z0-9.-]+)/.exec(r.body)
  assert.ok(m, r.body)
  assert.doesNotMatch(r.body, /kaboom|SECRET-SOURCE-CODE|default\.ts|hunter2/)
  const t = await readTicket(s.appFolder('app'), m![1]!)
  assert.equal(t.error.message, 'kaboom ann')
  assert.equal(t.method, 'POST')
  assert.equal(t.url, '/app/default/boom?user=ann')
  assert.equal(t.clientIp, '127.0.0.1')
  const top = t.frames[0]!
  assert.ok(top.file.endsWith('controllers/default.ts'), top.file)
  assert.equal(top.mapped, true)
  assert.equal(top.line, 9)
  const src = top.source!.find((l) => l.line === 9)!
  assert.match(src.text, /throw new Error\("kaboom "/)
  assert.equal(top.source![0]!.line, 4)
  assert.equal(t.vars.password, '******')
  assert.equal(t.vars.apiToken, '******')
  assert.equal(t.vars.note, 'hello')
  assert.equal(t.vars.user, 'ann')
})

test('transactions: commit on success and on redirect, rollback on error, release always', async () => {
  log.length = 0
  await s.request('/app/default/fine')
  assert.deepEqual(log, ['commit fine', 'release fine'])
  log.length = 0
  await s.request('/app/default/moved')
  assert.deepEqual(log, ['commit moved', 'release moved'])
  log.length = 0
  await s.request('/app/default/boom')
  assert.deepEqual(log, ['rollback boom', 'release boom'])
})

test('a QuarkError with a 4xx status is answered with that status, rolled back, without a ticket', async () => {
  const before = (await listTickets(s.appFolder('app'))).length
  log.length = 0
  const r = await s.request('/app/default/clientError')
  assert.equal(r.status, 422)
  assert.match(r.body, /Bad thing: wrong input/)
  assert.deepEqual(log, ['rollback client', 'release client'])
  assert.equal((await listTickets(s.appFolder('app'))).length, before)
})

test('errors in models and syntax errors also give tickets', async () => {
  const a = await s.request('/badmodel/default/index')
  assert.equal(a.status, 500)
  const [ta] = await listTickets(s.appFolder('badmodel'))
  assert.ok(ta)
  const full = await readTicket(s.appFolder('badmodel'), ta!.id)
  assert.equal(full.frames[0]!.line, 2)
  assert.ok(full.frames[0]!.file.endsWith('models/db.ts'))
  const b = await s.request('/syntax/default/index')
  assert.equal(b.status, 500)
  const [tb] = await listTickets(s.appFolder('syntax'))
  assert.match(tb!.error, /QK_ENV_COMPILE|Cannot compile/)
  assert.match(tb!.error, /default\.ts:2/)
})

test('list, read and delete tickets; bad ids are refused', async () => {
  const before = await listTickets(s.appFolder('app'))
  assert.ok(before.length >= 2)
  assert.ok(before[0]!.time >= before[1]!.time, 'newest first')
  assert.equal((await listTickets(s.appFolder('app'), { clientIp: '10.0.0.1' })).length, 0)
  assert.equal((await listTickets(s.appFolder('app'), { date: before[0]!.time.slice(0, 10) })).length, before.length)
  assert.equal(await deleteTicket(s.appFolder('app'), before[0]!.id), true)
  assert.equal((await listTickets(s.appFolder('app'))).length, before.length - 1)
  await assert.rejects(readTicket(s.appFolder('app'), before[0]!.id), /No such ticket/)
  await assert.rejects(readTicket(s.appFolder('app'), '../../etc/passwd'), /Invalid ticket id/)
})
