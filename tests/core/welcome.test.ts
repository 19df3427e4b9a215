import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'
import { optionalRoom } from '../../server/environment'

let s: TestServer
before(async () => { s = await startServer({ welcome: true }) })
after(() => s.stop())

test('the welcome app is installed on first start and hello is the probe', async () => {
  assert.ok(fs.existsSync(path.join(s.appFolder('welcome'), 'models', '0_config.ts')))
  const r = await s.request('/welcome/default/hello')
  assert.equal(r.status, 200)
  assert.equal(r.body, 'Hello World')
  assert.match(String(r.headers['content-type']), /text\/html/)
})

test('index.json gives the message, translated from Accept-Language when i18n/ is present', async () => {
  assert.deepEqual((await s.request('/welcome/default/index.json')).json(), { message: 'Hello World' })
  const it = await s.request('/welcome/default/index.json', { headers: { 'accept-language': 'it-IT,it;q=0.9' } })
  const expected = optionalRoom('i18n') ? 'Ciao Mondo' : 'Hello World'
  assert.deepEqual(it.json(), { message: expected })
})

test('the index page renders when the views exist', { skip: !fs.existsSync(path.resolve(__dirname, '../../welcome-app/views/default/index.html')) }, async () => {
  const r = await s.request('/welcome/default/index')
  assert.equal(r.status, 200, r.body.slice(0, 500))
  assert.match(r.body, /Hello World/)
})
