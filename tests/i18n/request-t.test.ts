import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { Translator, LazyT, parseAcceptLanguage } from '../../server/i18n/index'
import { newState, runInContext } from '../../server/current'

const app = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-i18n-req-'))
fs.mkdirSync(path.join(app, 'languages'))
after(() => fs.rmSync(app, { recursive: true, force: true }))

test('request Ts share a prototype but keep their own state', () => {
  const tr = new Translator(app)
  const a = tr.forRequest('fr-FR,fr;q=0.9')
  const b = tr.forRequest('de')
  assert.equal(Object.getPrototypeOf(a), Object.getPrototypeOf(b), 'methods built once per translator')
  assert.deepEqual(a.accepted, parseAcceptLanguage('fr-FR,fr;q=0.9'))
  assert.deepEqual(b.accepted, ['de'])
  a.force('it')
  assert.equal(a.language, 'it')
  assert.equal(b.language, 'en', 'forcing one request leaves the other alone (no file for de: default)')
  a.force(null)
  assert.equal(a.language, 'en')
  assert.ok(a('x') instanceof LazyT)
  assert.equal(typeof a, 'function')
})

test('M, translate and force work detached from T (current.T = T.translate)', () => {
  const T = new Translator(app).forRequest('')
  const { M, translate, force } = T
  assert.equal(translate('Hello %s', ['Bob']), 'Hello Bob')
  assert.ok(M('**hi**').xml().includes('<strong>hi</strong>'))
  force('es')
  assert.equal(T.language, 'es')
  assert.equal(T.translate, translate, 'the bound closure is made once per request')
  assert.throws(() => force('not a language!'))
})

test('requests with the same Accept-Language share one T, but T.force stays within its own request', async () => {
  const tr = new Translator(app)
  const a = tr.forRequest('fr')
  assert.equal(tr.forRequest('fr'), a, 'built once per header, not per request')
  const seen: string[] = []
  let release!: () => void
  const gate = new Promise<void>((r) => { release = r })
  const r1 = runInContext(newState(app, 'x'), async () => {
    tr.forRequest('fr').force('it')
    await gate
    seen.push(`r1:${tr.forRequest('fr').language}`)
  })
  const r2 = runInContext(newState(app, 'x'), async () => {
    seen.push(`r2:${tr.forRequest('fr').language}`)
    release()
  })
  await Promise.all([r1, r2])
  assert.deepEqual(seen.sort(), ['r1:it', 'r2:en'])
  assert.equal(a.language, 'en', 'outside any request nothing was forced')
})
