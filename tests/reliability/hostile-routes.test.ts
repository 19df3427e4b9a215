// Hostile inputs against a site with routes (cases/routes.jsonl): paths that try to escape through
// routes_in rewriting, root_static, the router's static mapping and path_prefix, and names the
// router must refuse. Whatever the answer, no secret is ever in the body.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'
import { runCaseFile, statusOk, bodyOk, type CaseLine } from './lib/cases'

const SECRETS = ['QUARK-FILE-SECRET-routes', 'QUARK-OUTSIDE-SECRET-routes', 'root:x:0:0', '"routes_in"']

let s: TestServer
before(async () => {
  s = await startServer({
    siteFiles: { 'routes.json': JSON.stringify({
    routers: { BASE: { default_application: 'rel', path_prefix: '/p', map_hyphen: true } },
    routes_in: [['/p/old/$anything', '/p/rel/static/$anything'], ['/p/f/$name', '/p/rel/default/show/$name']],
  }) },
    https: false,
    apps: {
      rel: {
        'controllers/default.ts': 'export function index() { return "index" }\nexport function show() { return "show " + request.args.list.join("|") }',
        'private/secret.txt': 'QUARK-FILE-SECRET-routes\n',
        'static/favicon.ico': 'icon',
        'static/ok.txt': 'ok',
      },
    },
  })
  fs.writeFileSync(path.join(s.folder, 'outside-secret.txt'), 'QUARK-OUTSIDE-SECRET-routes\n')
})
after(() => s?.stop())

async function check(c: CaseLine): Promise<string | undefined> {
  const r = await s.request(String(c.path))
  const bad = statusOk(c, r.status) ?? bodyOk(c, r.body)
  if (bad) return `${c.path}: ${bad}`
  for (const secret of SECRETS) if (r.body.includes(secret)) return `${c.path}: the body holds ${secret}`
  return undefined
}

test('routes: no path escapes through rewriting, root static files or the router', { timeout: 120_000 }, async () => {
  // the routes are live: the rewrites work for honest paths
  assert.equal((await s.request('/p/old/ok.txt')).body, 'ok')
  assert.equal((await s.request('/p/f/x')).body, 'show x')
  assert.equal((await s.request('/p/favicon.ico')).body, 'icon')
  await runCaseFile('routes.jsonl', check)
})
