/**
 * Login by X.509 client certificate: a CA, a good client certificate, an
 * expired one, a revoked one (with the CA's CRL) and one of another CA, all
 * made with the openssl CLI in a temp folder; the real Quark server over
 * HTTPS with --client-ca/--client-crl (as `quark run` passes them); node's
 * https.request presents each certificate. Good → logged in as the user its
 * email names; the others → refused with their reason, no session, logged.
 * No certificate → the normal login page. And the method's conformance suite.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import https from 'node:https'
import { execFileSync, spawnSync } from 'node:child_process'
import { chromium } from 'playwright-core'
import type { TestServer } from '../helpers/server'
import { startAuthApp, model, CONTROLLER } from './authApp'
import { checkout, Quark, writeAppFile } from '../cli/helpers'
import { conformance } from './methods/suite'

const ROOT = path.resolve(__dirname, '..', '..')
let dir = ''
let s: TestServer | undefined
const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })

/** A CA with `openssl ca` (it alone sets dates in the past and keeps the index a CRL is made from). */
function makeCa(name: string): void {
  fs.mkdirSync(path.join(dir, name, 'newcerts'), { recursive: true })
  fs.writeFileSync(path.join(dir, name, 'index.txt'), '')
  fs.writeFileSync(path.join(dir, name, 'serial'), '1000\n')
  fs.writeFileSync(path.join(dir, name, 'crlnumber'), '1000\n')
  fs.writeFileSync(path.join(dir, name, 'ca.cnf'), `[ ca ]
default_ca = CA_default
[ CA_default ]
dir = ${path.join(dir, name)}
database = $dir/index.txt
new_certs_dir = $dir/newcerts
certificate = $dir/ca.pem
private_key = $dir/ca.key
serial = $dir/serial
crlnumber = $dir/crlnumber
default_md = sha256
default_days = 30
default_crl_days = 30
policy = policy_any
unique_subject = no
[ policy_any ]
commonName = supplied
emailAddress = optional
`)
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}/ca.key`, '-out', `${name}/ca.pem`, '-days', '30', '-subj', `/CN=${name} Test CA`)
}

/** A client key and certificate of `ca`, for `subject`; dates as given to `openssl ca`. */
function issue(ca: string, file: string, subject: string, dates: string[] = []): void {
  ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${file}.key`, '-out', `${file}.csr`, '-subj', subject)
  ssl('ca', '-batch', '-config', `${ca}/ca.cnf`, '-in', `${file}.csr`, '-out', `${file}.pem`, '-notext', ...dates)
}

interface Answer { status: number; body: string; location?: string; cookies: string[] }
function get(url: string, p: string, client?: string, cookie?: string): Promise<Answer> {
  const u = new URL(url)
  return new Promise((resolve, reject) => {
    const req = https.request({
      hostname: u.hostname, port: u.port, path: p, method: 'GET', agent: false, rejectUnauthorized: false, timeout: 30_000,
      headers: cookie ? { cookie } : {},
      ...(client ? { cert: fs.readFileSync(path.join(dir, `${client}.pem`)), key: fs.readFileSync(path.join(dir, `${client}.key`)) } : {}),
    }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, location: res.headers.location, cookies: (res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]!) }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.end()
  })
}

before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-x509-'))
  makeCa('ca')
  makeCa('other')
  issue('ca', 'good', '/CN=Alan Turing/emailAddress=alan@example.com')
  issue('ca', 'unknown', '/CN=Nobody/emailAddress=nobody@example.com')
  issue('ca', 'expired', '/CN=Alan Turing/emailAddress=alan@example.com', ['-startdate', '20200101000000Z', '-enddate', '20200201000000Z'])
  issue('ca', 'revoked', '/CN=Alan Turing/emailAddress=alan@example.com')
  ssl('ca', '-config', 'ca/ca.cnf', '-revoke', 'revoked.pem')
  ssl('ca', '-config', 'ca/ca.cnf', '-gencrl', '-out', 'crl.pem')
  issue('other', 'foreign', '/CN=Alan Turing/emailAddress=alan@example.com')
})

after(async () => {
  await s?.stop()
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

test('x509: a good certificate logs its user in; expired, revoked, foreign and unknown ones are refused with their reason', { timeout: 180_000 }, async () => {
  s = await startAuthApp('', {
    'models/z_x509.ts': "auth.enable('x509', { map: 'email' })\n",
    'controllers/setup.ts': "export async function index() { return String(await auth.registerUser({ first_name: 'Alan', last_name: 'Turing', email: 'alan@example.com', password: 'enigma-1912-x' })) }\n" +
      "export async function events() { return (await db(auth.tableEvent.id.gt(0)).select()).map((e: any) => e.description).join('\\n') }\n" +
      'export async function users() { return String(await db(db.auth_user.id.gt(0)).count()) }\n',
  }, { clientCa: path.join(dir, 'ca', 'ca.pem'), clientCrl: path.join(dir, 'crl.pem') })
  const userId = Number((await s.request('/shop/setup/index')).body)
  assert.ok(userId > 0)

  // no certificate: the normal login page, with the certificate link
  const login = await get(s.url, '/shop/default/user/login')
  assert.equal(login.status, 200)
  assert.match(login.body, /name="password"/)
  assert.match(login.body, /quark-x509-login[^>]*>Sign in with your certificate|Sign in with your certificate/)
  const none = await get(s.url, '/shop/default/user/x509_login')
  assert.equal(none.status, 400)
  assert.match(none.body, /Your browser sent no certificate/)

  // the good certificate: logged in as alan
  const ok = await get(s.url, '/shop/default/user/x509_login', 'good')
  assert.equal(ok.status, 303, ok.body.slice(0, 500))
  const cookie = ok.cookies.join('; ')
  const who = JSON.parse((await get(s.url, '/shop/default/whoami.json', undefined, cookie)).body)
  assert.equal(who.user?.id, userId)
  assert.equal(who.user?.email, 'alan@example.com')

  // refused, each with its reason, no session, logged
  const cases: [string, number, RegExp, RegExp][] = [
    ['expired', 403, /Your certificate has expired/, /CERT_HAS_EXPIRED/],
    ['revoked', 403, /Your certificate has been revoked/, /CERT_REVOKED/],
    ['foreign', 403, /not signed by an authority this site trusts/, /X509 login refused: (UNABLE|SELF|DEPTH)/],
    ['unknown', 403, /No account matches your certificate/, /no account for .*nobody@example\.com/],
  ]
  for (const [client, status, message, logged] of cases) {
    const r = await get(s.url, '/shop/default/user/x509_login', client)
    assert.equal(r.status, status, `${client}: ${r.body.slice(0, 300)}`)
    assert.match(r.body, message, client)
    const after = JSON.parse((await get(s.url, '/shop/default/whoami.json', undefined, r.cookies.join('; '))).body)
    assert.ok(!after.user, `${client} logged in`)
    assert.match((await s.request('/shop/setup/events')).body, logged, `${client} not logged`)
  }
  // createUser is off: the unknown certificate made no account
  assert.equal((await s.request('/shop/setup/users')).body, '1')

  // in chromium (which has no certificate to give): the login page's link, then the refusal it leads to
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] })
  try {
    const page = await (await browser.newContext({ ignoreHTTPSErrors: true })).newPage()
    await page.goto(`${s.url}/shop/default/user/login`)
    fs.mkdirSync(path.join(__dirname, 'screenshots'), { recursive: true })
    await page.screenshot({ path: path.join(__dirname, 'screenshots', 'x509-login.png'), fullPage: true })
    await page.click('a.quark-x509-login')
    await page.waitForSelector('.quark-x509-refused')
    assert.match((await page.textContent('.quark-x509-refused')) ?? '', /Your browser sent no certificate/)
    await page.screenshot({ path: path.join(__dirname, 'screenshots', 'x509-no-certificate.png'), fullPage: true })
  } finally { await browser.close() }
})

test('x509: refused certificates count toward the login throttle like wrong passwords', { timeout: 120_000 }, async () => {
  const t = await startAuthApp('addressMaxFailures: 2', {
    'models/z_x509.ts': "auth.enable('x509', { map: 'email', createUser: true })\n",
  }, { clientCa: path.join(dir, 'ca', 'ca.pem'), clientCrl: path.join(dir, 'crl.pem') })
  try {
    for (const c of ['foreign', 'expired']) assert.equal((await get(t.url, '/shop/default/user/x509_login', c)).status, 403)
    // this address is now locked: even the good certificate waits, and no account is made
    const locked = await get(t.url, '/shop/default/user/x509_login', 'good')
    assert.equal(locked.status, 403)
    assert.match(locked.body, /too many failed logins/)
  } finally { await t.stop() }
})

test('x509: without --client-ca nothing changes; the CLI checks the flags', { timeout: 120_000 }, async () => {
  const plain = await startAuthApp('', { 'models/z_x509.ts': "auth.enable('x509', { map: 'email' })\n" })
  try {
    // the server asks for no certificate: the one sent is ignored and the method says none came
    const r = await get(plain.url, '/shop/default/user/x509_login', 'good')
    assert.equal(r.status, 400)
    assert.match(r.body, /Your browser sent no certificate/)
  } finally { await plain.stop() }
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-x509-cli-'))
  try {
    const run = (...args: string[]) => spawnSync(process.execPath, [path.join(ROOT, 'server', 'cli', 'quark.js'), 'run', '--no-browser', '-p', '0', ...args], { cwd: empty, encoding: 'utf8', timeout: 60_000 })
    let p = run('--client-crl', path.join(dir, 'crl.pem'))
    assert.notEqual(p.status, 0)
    assert.match(p.stderr + p.stdout, /--client-crl needs --client-ca/)
    p = run('--client-ca', path.join(empty, 'missing.pem'))
    assert.notEqual(p.status, 0)
    assert.match(p.stderr + p.stdout, /--client-ca: no such file/)
    p = run('--client-ca', path.join(dir, 'ca', 'ca.pem'), '--no-https')
    assert.notEqual(p.status, 0)
    assert.match(p.stderr + p.stdout, /--client-ca needs HTTPS/)
  } finally { fs.rmSync(empty, { recursive: true, force: true }) }
})

test('x509: `quark run --client-ca --client-crl` (the command, spawned) asks for certificates and checks them', { timeout: 300_000 }, async () => {
  const site = checkout.site()
  writeAppFile(site, 'shop', 'models/db.ts', model(''))
  writeAppFile(site, 'shop', 'models/z_x509.ts', "auth.enable('x509', { map: 'email', createUser: true })\n")
  writeAppFile(site, 'shop', 'controllers/default.ts', CONTROLLER)
  for (const v of ['layout.html', 'generic.html']) writeAppFile(site, 'shop', `views/${v}`, fs.readFileSync(path.join(ROOT, 'welcome-app', 'views', v), 'utf8'))
  writeAppFile(site, 'shop', 'views/default/user.html', "{{extend 'layout.html'}}\n{{=form}}\n")
  const server = new Quark(site, ['run', '--no-browser', '-p', '0', '--client-ca', path.join(dir, 'ca', 'ca.pem'), '--client-crl', path.join(dir, 'crl.pem')])
  try {
    const url = (await server.waitFor(/Quark serving .+ at (https:\/\/127\.0\.0\.1:\d+)\//))[1]!
    const revoked = await get(url, '/shop/default/user/x509_login', 'revoked')
    assert.equal(revoked.status, 403, revoked.body.slice(0, 300))
    assert.match(revoked.body, /Your certificate has been revoked/)
    const foreign = await get(url, '/shop/default/user/x509_login', 'foreign')
    assert.match(foreign.body, /not signed by an authority this site trusts/)
    // createUser: the good certificate makes alan's account and logs him in
    const ok = await get(url, '/shop/default/user/x509_login', 'good')
    assert.equal(ok.status, 303, ok.body.slice(0, 300))
    const who = JSON.parse((await get(url, '/shop/default/whoami.json', undefined, ok.cookies.join('; '))).body)
    assert.equal(who.user?.email, 'alan@example.com')
    assert.equal(who.user?.first_name, 'Alan Turing')
  } finally {
    await server.kill()
    site.cleanup()
  }
})

// the method alone: a verified certificate (as request.clientCertificate carries it) names the user
const cert = (email: string, cn = 'C F') => ({ subject: `CN=${cn}, emailAddress=${email}`, commonName: cn, email, serial: '1000', fingerprint256: 'AA:' + email, validTo: 'Jan  1 00:00:00 2099 GMT' })
conformance({
  name: 'x509',
  factor: 'first',
  options: { map: 'email' },
  badOptions: [{ map: 'dn' }, { map: 1 }],
  valid: async () => ({ certificate: cert('conf-x509@example.com') }),
  wrong: async () => [
    { certificate: cert('nobody@example.com') },
    { certificate: cert('') },
    { error: 'CERT_HAS_EXPIRED' },
    { error: 'CERT_REVOKED' },
    { error: 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY' },
    { certificate: { email: 'conf-x509@example.com' } },
    { certificate: 'conf-x509@example.com' },
  ],
})
