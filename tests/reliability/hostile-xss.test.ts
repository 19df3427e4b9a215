// Hostile inputs: XSS through every output path (cases/xss.jsonl). Each payload is put through
// one path by the hostile app's xss controller; the page must carry no active content.
import { test, before, after } from 'node:test'
import type { TestServer } from '../helpers/server'
import { runCaseFile, statusOk, type CaseLine } from './lib/cases'
import { startHostileServer } from './lib/hostileServer'
import { activeContent } from './lib/inert'

let s: TestServer
before(async () => { s = await startHostileServer() })
after(() => s?.stop())

async function check(c: CaseLine): Promise<string | undefined> {
  const v = String(c.v)
  const sink = String(c.sink)
  let r
  if (sink === '@path') r = await s.request(String(c.path).replace('{v}', encodeURIComponent(v)))
  else if (sink.startsWith('form_')) r = await s.request(`/rel/xss/${sink}`, { form: { q: v, _formname: 'default' } })
  else r = await s.request(`/rel/xss/${sink}${sink === 'json' ? '.json' : ''}?${new URLSearchParams({ v })}`)
  const bad = statusOk(c, r.status)
  if (bad) return `${bad}: ${r.body.slice(0, 200)}`
  if (c.expect === 'json') {
    const type = String(r.headers['content-type'])
    if (!type.startsWith('application/json')) return `served as ${type}`
    return r.json().v === v ? undefined : `the value changed: ${r.body}`
  }
  const type = String(r.headers['content-type'] ?? '')
  // a page that is not HTML is not rendered as HTML (when the browser is told not to sniff)
  if (!type.startsWith('text/html') && r.headers['x-content-type-options'] === 'nosniff') return undefined
  const active = activeContent(r.body)
  if (c.expect === 'active') return active ? undefined : 'the control was not found active'
  return active ? `active content: ${active}` : undefined
}

test('XSS: every output path keeps hostile input inert', { timeout: 300_000 }, async () => {
  await runCaseFile('xss.jsonl', check, { parallel: 8 })
})
