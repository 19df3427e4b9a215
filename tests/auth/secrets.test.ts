/**
 * No password, reset key or verification key in a response, a log line or a
 * ticket. Every response of a full flow is recorded, with the server's
 * request and error log and everything written to stdout/stderr.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import type { Agent, RequestOptions, TestResponse, TestServer } from '../helpers/server'
import { startAuthApp, formKey, mails, linkIn, logout } from './authApp'

let s: TestServer | undefined
after(async () => { await s?.stop() })

test('secrets never reach responses, logs or tickets', async () => {
  const logLines: string[] = []
  s = await startAuthApp('registrationRequiresVerification: true', {}, { quiet: false, log: (l: string) => logLines.push(l), logError: (l: string) => logLines.push(l) })
  const out: string[] = []
  const ow = process.stdout.write.bind(process.stdout), ew = process.stderr.write.bind(process.stderr)
  process.stdout.write = ((c: unknown, ...r: unknown[]) => { out.push(String(c)); return (ow as (...a: unknown[]) => boolean)(c, ...r) }) as typeof process.stdout.write
  process.stderr.write = ((c: unknown, ...r: unknown[]) => { out.push(String(c)); return (ew as (...a: unknown[]) => boolean)(c, ...r) }) as typeof process.stderr.write
  const responses: TestResponse[] = []
  const raw = s.agent()
  const a: Agent = { jar: raw.jar, async request(p: string, o?: RequestOptions) { const r = await raw.request(p, o); responses.push(r); return r } }
  const post = async (url: string, formname: string, fields: Record<string, string>) => {
    const page = await a.request(url)
    return a.request(url, { form: { ...fields, _formname: formname, _formkey: formKey(page.body, formname) } })
  }
  const P1 = 'first-Secret-pw-111', P2 = 'second-Secret-pw-222', P3 = 'third-Secret-pw-333', WRONG = 'wrong-Secret-pw-000'
  try {
    await post('/shop/default/user/register', 'register', { first_name: 'Ada', last_name: 'L', email: 'ada@example.com', password: P1, password2: P1 })
    const verify = linkIn(mails(s).at(-1)!.message)
    await a.request(verify)
    await post('/shop/default/user/login', 'login', { email: 'ada@example.com', password: WRONG })
    await post('/shop/default/user/login', 'login', { email: 'ada@example.com', password: P1 })
    await post('/shop/default/user/change_password', 'change_password', { old_password: P1, new_password: P2, new_password2: P2 + 'x' })
    await post('/shop/default/user/change_password', 'change_password', { old_password: P1, new_password: P2, new_password2: P2 })
    await a.request('/shop/default/whoami.json')
    await a.request('/shop/default/user/profile')
    // an error while a password is posted: a ticket is stored
    const boom = await a.request('/shop/default/boom', { form: { password: P2, reset_password_key: 'x' } })
    assert.equal(boom.status, 500)
    await logout(a)
    await post('/shop/default/user/request_reset_password', 'request_reset_password', { email: 'ada@example.com' })
    const reset = linkIn(mails(s).at(-1)!.message)
    const mailedKey = new globalThis.URL(reset, 'http://x').searchParams.get('key')!
    let r = await a.request(reset)
    r = await post(String(r.headers.location), 'reset_password', { new_password: P3, new_password2: P3 })
    assert.equal(r.status, 303)
    await post('/shop/default/user/login', 'login', { email: 'ada@example.com', password: P3 })
    await a.request('/shop/default/whoami.json')
    // the mailed keys are spent: replaying the (logged) links does nothing
    r = await a.request(reset)
    assert.match(String(r.headers.location), /request_reset_password/)

    const tickets = fs.readdirSync(path.join(s.appFolder('shop'), 'errors')).map((f) => fs.readFileSync(path.join(s!.appFolder('shop'), 'errors', f), 'utf8'))
    assert.ok(tickets.length >= 1)
    const verifyKey = verify.split('/').pop()!
    const everything = [...responses.map((x) => JSON.stringify(x.headers) + x.body), ...tickets, ...out]
    for (const secret of [P1, P2, P3, WRONG, mailedKey, verifyKey]) {
      for (const text of everything) assert.ok(!text.includes(secret), `secret ${secret} found in ${text.slice(0, 400)}`)
    }
    // the request log records the URLs browsers asked for, mailed links included (spent by then); nothing else
    for (const secret of [P1, P2, P3, WRONG]) for (const l of logLines) assert.ok(!l.includes(secret), l)
    for (const l of logLines) if (l.includes(mailedKey) || l.includes(verifyKey)) assert.match(l, /^GET \/shop\/default\/user\/(reset_password\?key=|verify_email\/)/)
    // hashes are not passwords, but they stay private too
    for (const text of responses.map((x) => x.body)) assert.doesNotMatch(text, /pbkdf2\(/)
  } finally {
    process.stdout.write = ow
    process.stderr.write = ew
  }
})
