import { test } from 'node:test'
import assert from 'node:assert/strict'
import { parseCookies, serializeCookie, HTTP, HTTPError, redirect, makeArgs, safeSegments, contentTypeOf } from '../../server/http'
import { genericAllowed } from '../../server/environment'
import { maskVars } from '../../server/tickets'
import { parseArgs } from '../../server/cli'
import { newState, runInContext, registerTransactional } from '../../server/current'

test('cookies: parsing tolerates junk, keeps the first of duplicates, decodes values', () => {
  assert.deepEqual({ ...parseCookies('a=1; b="two"; a=3; bad; c=%20x%20;=nothing; d=%zz') }, { a: '1', b: 'two', c: ' x ', d: '%zz' })
  assert.deepEqual({ ...parseCookies(undefined) }, {})
  assert.equal(serializeCookie('s', 'v 1', { httpOnly: true, secure: true, sameSite: 'Lax', maxAge: 60 }), 's=v%201; Max-Age=60; Path=/; HttpOnly; Secure; SameSite=Lax')
  assert.throws(() => serializeCookie('bad name', 'x'), /invalid cookie name/)
})

test('HTTP is callable with or without new; redirect refuses header injection', () => {
  const a = HTTP(404, 'nope')
  const b = new HTTP(500)
  assert.ok(a instanceof HTTPError && a instanceof HTTP)
  assert.ok(b instanceof HTTP)
  assert.equal(a.status, 404)
  assert.throws(() => HTTP(99), /invalid status/)
  assert.throws(() => redirect('/x'), (e: HTTPError) => e.status === 303 && e.headers.Location === '/x')
  // CR/LF and other control characters are percent-encoded: still a redirect, never a second header
  assert.throws(() => redirect('/x\r\nSet-Cookie: a=b'), (e: HTTPError) => e.status === 303 && e.headers.Location === '/x%0D%0ASet-Cookie: a=b')
  assert.throws(() => redirect('/x\u0000\ty\u007f'), (e: HTTPError) => e.headers.Location === '/x%00%09y%7F')
})

test('request.args is callable and indexable', () => {
  const args = makeArgs(['a', 'b'])
  assert.equal(args(0), 'a')
  assert.equal(args(5), undefined)
  assert.equal(args(5, 'd'), 'd')
  assert.equal(args[1], 'b')
  assert.equal(args.length, 2)
  assert.deepEqual([...args], ['a', 'b'])
  assert.deepEqual(args.map((x) => x.toUpperCase()), ['A', 'B'])
  assert.equal(JSON.stringify({ args }), '{"args":["a","b"]}')
})

test('static path checks and content types', () => {
  assert.deepEqual(safeSegments('css/a%20b.css'), ['css', 'a b.css'])
  for (const bad of ['../x', '%2e%2e/x', 'a%2fb', 'a%5cb', '%00', 'c:x', '', '%zz']) assert.equal(safeSegments(bad), undefined, bad)
  assert.equal(contentTypeOf('a.SVG'), 'image/svg+xml')
  assert.equal(contentTypeOf('noext'), 'application/octet-stream')
})

test('generic patterns', () => {
  assert.equal(genericAllowed(['*'], 'default/x.json'), true)
  assert.equal(genericAllowed([], 'default/x.json'), false)
  assert.equal(genericAllowed(['*.json'], 'default/x.json'), true)
  assert.equal(genericAllowed(['*.json'], 'default/x.xml'), false)
  assert.equal(genericAllowed(['api/*'], 'default/x.json'), false)
  assert.equal(genericAllowed(['a.b(c)*'], 'a.b(c)d'), true)
})

test('ticket vars: password-like keys masked at any depth', () => {
  assert.deepEqual(maskVars({ password: 'x', user: 'u', nested: { api_key: 'k', ok: 1 }, list: [1] }), { password: '******', user: 'u', nested: { api_key: '******', ok: 1 }, list: [1] })
})

test('CLI flags: values, booleans, unknown and missing values', () => {
  const specs = [{ name: 'folder', short: 'f', value: true, help: '' }, { name: 'quiet', help: '' }]
  assert.deepEqual(parseArgs(['x', '-f', 'dir', '--quiet'], specs), { flags: { folder: 'dir', quiet: true }, positional: ['x'] })
  assert.deepEqual(parseArgs(['--folder=d2'], specs).flags, { folder: 'd2' })
  assert.throws(() => parseArgs(['--nope'], specs), /unknown flag --nope/)
  assert.throws(() => parseArgs(['-f'], specs), /needs a value/)
  assert.throws(() => parseArgs(['--quiet=1'], specs), /takes no value/)
})

test('request states: no database, no set of its own; registering one gives each state its own', () => {
  const a = newState('/x/a', 'a')
  const b = newState('/x/b', 'b')
  assert.equal(a.transactionals.size, 0)
  assert.throws(() => a.transactionals.add({ commit() {}, rollback() {}, release() {} }), /registerTransactional/)
  const t = { commit() {}, rollback() {}, release() {} }
  runInContext(a, () => registerTransactional(t))
  assert.deepEqual([...a.transactionals], [t])
  assert.equal(b.transactionals.size, 0, 'the other state is untouched')
  registerTransactional(t) // outside a request: nothing to join
  assert.equal(newState('/x/c', 'c').transactionals.size, 0)
})
