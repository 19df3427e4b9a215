/**
 * Issue 21's benchmark parts: the TechEmpower verifier refuses every wrong
 * answer it is meant to catch; the options select the parts; RESULTS.md's
 * section is replaced alone; and, end to end, the Quark app and the Fastify
 * peers pass the verifier on SQLite and PostgreSQL (real servers, real
 * databases, no load: rounds 0).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingHttpHeaders } from 'node:http'
import type { Probe } from './proc'
import { parseOptions } from './options'
import { checkDb, checkFortunes, checkJson, checkPersisted, checkPlaintext, checkWorldList, expectedFortunes } from './te-verify'
import { ADDED_FORTUNE, FORTUNES } from './te-app'
import { geomean, runTechEmpower, teRows, type TeResult } from './techempower'
import { TE_BEGIN, TE_END, spliceSection, teMarkdown, teVerdicts } from './te-report'

const H = (ct: string, extra: IncomingHttpHeaders = {}): IncomingHttpHeaders => ({ server: 'x', date: new Date().toUTCString(), 'content-type': ct, ...extra })
const probe = (body: string, headers: IncomingHttpHeaders, status = 200): Probe => ({ status, body, headers })

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;')
function fortunesPage(messages: string[], escape = esc): string {
  const id = (m: string) => (m === ADDED_FORTUNE ? 0 : FORTUNES.indexOf(m) + 1)
  return `<table><tr><th>id</th><th>message</th></tr>${messages.map((m) => `<tr><td>${id(m)}</td><td>${escape(m)}</td></tr>`).join('')}</table>`
}

test('verifier: plaintext and JSON need Server and Date headers, their content types and exact bodies', () => {
  assert.equal(checkPlaintext(probe('Hello, World!', H('text/plain'))), null)
  assert.match(checkPlaintext(probe('Hello, World!', { date: 'x', 'content-type': 'text/plain' }))!, /no Server header/)
  assert.match(checkPlaintext(probe('Hello, World!', { server: 'x', 'content-type': 'text/plain' }))!, /no Date header/)
  assert.match(checkPlaintext(probe('Hello, World!', H('text/html')))!, /content-type/)
  assert.match(checkPlaintext(probe('Hello World', H('text/plain')))!, /expected "Hello, World!"/)
  assert.match(checkPlaintext(probe('oops', H('text/plain'), 500))!, /HTTP 500/)
  assert.equal(checkJson(probe('{"message":"Hello, World!"}', H('application/json; charset=utf-8'))), null)
  assert.match(checkJson(probe('{"message":"Hello, World!","x":1}', H('application/json')))!, /expected/)
  assert.match(checkJson(probe('{"message":"Hello, World!"}', H('text/plain')))!, /content-type/)
  assert.match(checkJson(probe('{not json', H('application/json')))!, /not JSON/)
})

test('verifier: worlds are objects with integer id and randomNumber in 1..10000, lists have the clamped count', () => {
  const json = H('application/json')
  assert.equal(checkDb(probe('{"id":1,"randomNumber":10000}', json)), null)
  assert.match(checkDb(probe('{"id":0,"randomNumber":5}', json))!, /id 0/)
  assert.match(checkDb(probe('{"id":3,"randomNumber":"5"}', json))!, /randomNumber "5"/)
  assert.match(checkDb(probe('{"id":3,"randomNumber":1.5}', json))!, /randomNumber 1.5/)
  assert.match(checkDb(probe('[{"id":3,"randomNumber":5}]', json))!, /not a world object/)
  const list = (n: number) => JSON.stringify(Array.from({ length: n }, (_v, i) => ({ id: i + 1, randomNumber: 7 })))
  assert.equal(checkWorldList(probe(list(500), json), 500), null)
  assert.match(checkWorldList(probe(list(501), json), 500)!, /501 worlds, expected 500/)
  assert.match(checkWorldList(probe('{"id":1,"randomNumber":1}', json), 1)!, /JSON array/)
})

test('verifier: updates must be in the database', async () => {
  const db = new Map([[1, 10], [2, 20]])
  const read = async (ids: number[]) => new Map(ids.map((id) => [id, db.get(id)!]))
  assert.equal(await checkPersisted([{ id: 1, randomNumber: 10 }, { id: 2, randomNumber: 20 }], read), null)
  assert.match((await checkPersisted([{ id: 1, randomNumber: 11 }], read))!, /world 1: answered randomNumber 11, the database holds 10/)
  // one id twice: the number answered last is the one written last
  assert.equal(await checkPersisted([{ id: 2, randomNumber: 5 }, { id: 2, randomNumber: 20 }], read), null)
})

test('verifier: fortunes sorted, escaped (the <script> one above all), with the added one, as UTF-8 HTML', () => {
  const html = H('text/html; charset=utf-8')
  const sorted = expectedFortunes()
  assert.equal(sorted.length, 13)
  assert.equal(sorted[0], FORTUNES[10], 'the <script> fortune sorts first')
  assert.equal(checkFortunes(probe(fortunesPage(sorted), html)), null)
  assert.equal(checkFortunes(probe(fortunesPage(sorted, (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;').replace(/'/g, '&#x27;')), html)), null, 'any escaping of quotes')
  assert.match(checkFortunes(probe(fortunesPage(sorted, (s) => s), html))!, /not escaped/)
  assert.match(checkFortunes(probe(fortunesPage([...sorted].reverse()), html))!, /sorted by message/)
  assert.match(checkFortunes(probe(fortunesPage(sorted.filter((m) => m !== ADDED_FORTUNE)), html))!, /12 fortune rows, expected 13/)
  assert.match(checkFortunes(probe(fortunesPage(sorted), H('text/html')))!, /content-type/)
  const mangled = fortunesPage(sorted).replace('フレームワークのベンチマーク', 'ã\u0083\u0095')
  assert.match(checkFortunes(probe(mangled, html))!, /row 13/)
})

test('options: --only te runs issue 21 alone; macro ids leave it out; --skip knows te and memory', () => {
  const te = parseOptions(['--only', 'te'])
  assert.deepEqual([...te.skip].sort(), ['macro', 'memory', 'micro', 'profile', 'ws'], 'the websocket row (#23) is not run either')
  assert.deepEqual(te.teOnly, ['te'])
  assert.deepEqual(te.only, [])
  assert.equal(te.write, false, 'a partial run writes nothing unless asked')
  const both = parseOptions(['--only', 'te-sqlite,memory'])
  assert.deepEqual([...both.skip].sort(), ['macro', 'micro', 'profile', 'ws'])
  assert.deepEqual(both.teOnly, ['te-sqlite'])
  const mem = parseOptions(['--only', 'memory'])
  assert.ok(mem.skip.has('te') && !mem.skip.has('memory'))
  const macro = parseOptions(['--only', 'quark-hello'])
  assert.ok(macro.skip.has('te') && macro.skip.has('memory') && macro.skip.has('ws') && !macro.skip.has('macro'))
  assert.deepEqual(macro.only, ['quark-hello'])
  const full = parseOptions([])
  assert.ok(!full.skip.has('te') && !full.skip.has('memory') && !full.skip.has('ws'))
  assert.deepEqual([...parseOptions(['--skip', 'te,memory']).skip].sort(), ['memory', 'te'])
  assert.throws(() => parseOptions(['--skip', 'tee']), /unknown part "tee"/)
  assert.deepEqual(teRows(['te-pg-fortunes']).map((r) => r.id), ['te-pg-fortunes-quark', 'te-pg-fortunes-fastify'])
  assert.equal(teRows(['te']).length, 20, 'six tests on SQLite, four on PostgreSQL, two sides each')
})

test('RESULTS.md: the issue 21 section is replaced alone, or appended; verdicts follow the targets', () => {
  const result: TeResult = { notes: [], rows: teRows(['te-sqlite']).map((r) => ({ ...r, rps: [r.side === 'quark' ? 80 : 100], cpuUs: [10] })) }
  const section = teMarkdown(result, { idleBytes: 60 * 2 ** 20, afterLoadBytes: [90, 95, 99].map((m) => m * 2 ** 20), paths: ['/x'], secondsPerPath: 1, connections: 2 }, { rounds: 1, seconds: 1, connections: 1, date: new Date(0), load: 0 })
  assert.ok(section.startsWith(TE_BEGIN) && section.endsWith(TE_END))
  const file = `# Results\n\nold table\n\n${TE_BEGIN}\nold section\n${TE_END}\n\n## after\n`
  const out = spliceSection(file, section)
  assert.ok(out.includes('old table') && out.includes('## after') && !out.includes('old section'))
  assert.ok(spliceSection('# Results\n', section).endsWith(`${section}\n`))
  const v = teVerdicts(result, undefined)
  assert.equal(v.find((x) => x.what.startsWith('SQLite: geometric'))?.ok, true, 'ratio 0.8 everywhere')
  assert.equal(v.find((x) => x.what.startsWith('PostgreSQL'))?.ok, undefined, 'not measured')
  const m = teVerdicts(undefined, { afterLoadBytes: [90, 100, 120].map((x) => x * 2 ** 20), paths: [], secondsPerPath: 1, connections: 1 })
  assert.equal(m[0].ok, false, '120 MB > 100 MB')
  assert.equal(m[1].ok, false, 'grew from 90 to 120 MB')
  assert.ok(Math.abs(geomean([0.5, 2])! - 1) < 1e-12)
})

/** The bench's Fastify peer uses better-sqlite3, built for the checkout's Node only (not for the LTS of npm run test:lts). */
const betterSqlite3Loads = (() => { try { new (require('better-sqlite3'))(':memory:').close(); return true } catch { return false } })()

test('end to end: the Quark app and Fastify + raw driver pass the verifier on SQLite and PostgreSQL', { timeout: 600_000, skip: !betterSqlite3Loads && 'better-sqlite3 is not built for this Node (the bench runs on the checkout\'s Node)' }, async () => {
  const lines: string[] = []
  const r = await runTechEmpower({ rounds: 0, seconds: 1, warmupSeconds: 0, connections: 1, only: [], log: (l) => lines.push(l) })
  const failed = r.rows.filter((x) => x.failed).map((x) => `${x.id}: ${x.failed}`)
  assert.deepEqual(failed, [], lines.join('\n'))
  assert.equal(r.rows.length, 20)
  assert.ok(r.notes.some((n) => n.startsWith('sqlite: seeded')) && r.notes.some((n) => n.startsWith('pg: seeded')), r.notes.join('\n'))
})
