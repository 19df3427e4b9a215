// RestAPI in an app's types (issue #23): `quark check` accepts RestAPI(db, policy) with the app's
// typed DAL and Auth, a policy query written against the table, and refuses a policy of the
// wrong shape. Spawned as a user runs it, in a temp folder.
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { model } from './restApp'

const CLI = path.resolve(__dirname, '..', '..', 'server', 'cli', 'quark.js')
const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rest-types-'))
after(() => fs.rmSync(folder, { recursive: true, force: true }))

function check(controller: string): { status: number | null; out: string } {
  const app = path.join(folder, 'applications', 'shop')
  fs.rmSync(app, { recursive: true, force: true })
  fs.mkdirSync(path.join(app, 'models'), { recursive: true })
  fs.mkdirSync(path.join(app, 'controllers'), { recursive: true })
  fs.writeFileSync(path.join(app, 'models', 'db.ts'), model('sqlite://storage.sqlite'))
  fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), controller)
  const r = spawnSync(process.execPath, [CLI, 'check', 'shop'], { cwd: folder, encoding: 'utf8', timeout: 240_000 })
  return { status: r.status, out: r.stdout + r.stderr }
}

test('quark check accepts a RestAPI over the typed db and auth', () => {
  const r = check(`
export const api = RestAPI(db, {
  auth, maxLimit: 50, rateLimit: { requests: 10, per: 60 },
  tables: {
    thing: { methods: ['GET', 'POST'], readable: ['id', 'title'], DELETE: { membership: 'managers' } },
    diary: { methods: ['GET'], requiresLogin: true, query: (t, ctx) => t.owner.eq(ctx.userId ?? 0) },
  },
})
`)
  assert.equal(r.status, 0, r.out)
})

test('quark check refuses a policy of the wrong shape', () => {
  const r = check(`export const api = RestAPI(db, { tables: { thing: { methods: ['FETCH'] } }, maxLimit: 'many' })\n`)
  assert.notEqual(r.status, 0)
  assert.match(r.out, /controllers\/default\.ts/)
  assert.match(r.out, /error TS2769: No overload matches this call/)
})
