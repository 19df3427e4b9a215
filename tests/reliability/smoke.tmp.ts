import { test } from 'node:test'
import fs from 'node:fs'
import { startServer } from '../helpers/server'
import { hostileApp } from './apps/hostile'
test('smoke', async () => {
  const s = await startServer({ apps: { rel: hostileApp() } })
  try {
    for (const p of ['/rel/default/seed','/rel/sqli/op.json?op=eq&v=%27%20OR%201%3D1--', '/rel/sqli/op.json?op=like&v=a%25', '/rel/sqli/roundtrip.json?v=x%27', '/rel/xss/view?v=%3Cscript%3E', '/rel/xss/flash?v=%3Cb%3E', '/rel/xss/helper_a?v=javascript:alert(1)', '/rel/xss/form_error?v=%3Cb%3E&q=zz', '/rel/xss/grid_cell?v=%3Cb%3E', '/rel/xss/sqlform_value?v=%3Cb%3E', '/rel/sqli/grid?keywords=%27%20OR', '/rel/forms/plain', '/rel/static/hello.txt', '/rel/default/user/login', '/rel/xss/markdown?v=%3Cscript%3Ex', '/rel/xss/title?v=%3C/title%3E%3Cscript%3E', '/rel/xss/json.json?v=%3C']) {
      const r = await s.request(p)
      console.log(p, r.status, r.body.slice(0, 300))
      if (r.status === 500) { const d = s.appFolder('rel') + '/errors'; for (const f of fs.readdirSync(d)) { console.log(fs.readFileSync(d + '/' + f, 'utf8').slice(0, 1500)); fs.unlinkSync(d + '/' + f) } }
    }
  } finally { await s.stop() }
})
