// The public 500 page: styled, with the ticket id; a local client (the
// developer) also gets a link to the ticket in the admin, a remote one never.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import os from 'node:os'
import { startServer } from '../helpers/server'

const APP = { 'controllers/default.ts': "export function index() { throw new Error('secret detail 42') }\n" }

function externalAddress(): string | undefined {
  for (const list of Object.values(os.networkInterfaces())) for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address
  return undefined
}

test('a local client gets the styled page, the ticket id and a link to it in the admin', async () => {
  const s = await startServer({ apps: { shop: APP } })
  try {
    const r = await s.request('/shop/default/index')
    assert.equal(r.status, 500)
    const id = /Ticket issued: shop\/([A-Za-z0-9.-]+)</.exec(r.body)?.[1]
    assert.ok(id, 'the ticket id is shown')
    assert.match(r.body, /<style>[^<]*\.qk-error\{/, 'styled inline')
    assert.match(r.body, new RegExp(`<a class="qk-ticket" href="/admin/errors/ticket/shop/${id!.replace(/\./g, '\\.')}">Open the ticket in the admin</a>`))
    assert.doesNotMatch(r.body, /secret detail/, 'never the message')
    assert.equal(r.headers['x-quark-ticket'], `shop/${id}`)
  } finally { await s.stop() }
})

test('under the routes\' path_prefix the link to the ticket carries the prefix', async () => {
  const s = await startServer({ apps: { shop: APP }, siteFiles: { 'routes.json': JSON.stringify({ routers: { BASE: { path_prefix: '/w' } } }) } })
  try {
    const r = await s.request('/w/shop/default/index')
    assert.equal(r.status, 500)
    const id = /Ticket issued: shop\/([A-Za-z0-9.-]+)</.exec(r.body)?.[1]
    assert.ok(id, r.body.slice(0, 300))
    assert.match(r.body, new RegExp(`href="/w/admin/errors/ticket/shop/${id!.replace(/\./g, '\\.')}"`))
  } finally { await s.stop() }
})

const ip = externalAddress()
test('a remote client gets no link to the admin', { skip: ip ? false : 'no non-loopback interface' }, async () => {
  const s = await startServer({ apps: { shop: APP }, options: { ip } })
  try {
    const r = await s.request('/shop/default/index')
    assert.equal(r.status, 500)
    assert.match(r.body, /Ticket issued: shop\//)
    assert.doesNotMatch(r.body, /qk-ticket|\/admin\//)
  } finally { await s.stop() }
})
