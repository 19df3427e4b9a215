// The request log never carries a secret query value (mailed keys, signatures, tokens, passwords).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { startServer } from '../helpers/server'
import { maskSecrets } from '../../server/environment/lifecycle'

test('maskSecrets hides secret query values and keeps the rest', () => {
  assert.equal(maskSecrets('/a/default/user/reset_password?key=s3cr3t&x=1'), '/a/default/user/reset_password?key=***&x=1')
  assert.equal(maskSecrets('/a/c/f?_signature=abc&token=t0k&password=pw&next=/a'), '/a/c/f?_signature=***&token=***&password=***&next=/a')
  assert.equal(maskSecrets('/a/c/f?monkey=banana'), '/a/c/f?monkey=banana')
  assert.equal(maskSecrets('/a/c/f'), '/a/c/f')
})

test('a logged request line has the key masked', async () => {
  const lines: string[] = []
  const s = await startServer({
    apps: { app: { 'controllers/default.ts': 'export function index() { return "ok" }' } },
    options: { quiet: false, log: (l: string) => { lines.push(l) } },
  })
  try {
    const r = await s.request('/app/default/index?key=VERY-SECRET-KEY&page=2')
    assert.equal(r.status, 200)
    for (let i = 0; i < 50 && !lines.some((l) => l.includes('/app/default/index')); i++) await new Promise((res) => setTimeout(res, 20))
    const line = lines.find((l) => l.includes('/app/default/index'))
    assert.ok(line, `request logged: ${lines.join(' | ')}`)
    assert.ok(!line.includes('VERY-SECRET-KEY'), line)
    assert.match(line, /key=\*\*\*&page=2/)
  } finally { await s.stop() }
})
