// dist/quark end to end: built, copied ALONE into an empty folder, run with no
// node on PATH and no node_modules above, and checked over HTTPS.
// QUARK_BINARY=<file> tests an existing binary instead of building one.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { binarySkip, buildBinary, root, sandbox, start, request, type Sandbox, type Running, type Reply } from './helpers'
import { NODE_VERSION } from '../../build/targets'

let work = ''
let box: Sandbox
let server: Running
let base = ''

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
  })
}

/** GET following redirects on the same server (at most 5). */
async function follow(url: string): Promise<Reply & { url: string }> {
  for (let i = 0; i < 5; i++) {
    const r = await request(url)
    if (r.status < 300 || r.status >= 400 || !r.headers.location) return { ...r, url }
    url = new URL(r.headers.location, url).href
  }
  throw new Error(`too many redirects from ${url}`)
}

function quark(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(box.bin, args, { env: box.env, cwd: box.home, encoding: 'utf8', timeout: 120_000 })
  return { status: r.status, out: r.stdout + r.stderr }
}

/**
 * Write a file of an app and make sure its mtime moves; then wait out the
 * server's re-check interval (environment RECHECK_MS, 500 ms), as a person would.
 */
async function writeAppFile(rel: string, text: string): Promise<void> {
  const file = path.join(box.appDir, 'applications', ...rel.split('/'))
  fs.mkdirSync(path.dirname(file), { recursive: true })
  const before = fs.existsSync(file) ? fs.statSync(file).mtimeMs : 0
  fs.writeFileSync(file, text)
  const t = new Date(Math.max(Date.now(), before + 2000))
  fs.utimesSync(file, t, t)
  await new Promise((r) => setTimeout(r, 600))
}

before(async () => {
  if (binarySkip) return
  let binary = process.env.QUARK_BINARY
  if (!binary) {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-binary-build-'))
    binary = path.join(work, 'quark')
    buildBinary(binary)
  }
  box = sandbox(binary)
  const port = await freePort()
  // started from another folder, as a double-click would: data must land beside the binary
  server = start(box.bin, ['--no-browser', '-p', String(port)], box.env, box.home)
  const m = await server.waitFor(/(https:\/\/127\.0\.0\.1:\d+)/, 60_000)
  base = m[1]!
})

after(async () => {
  await server?.stop()
  box?.cleanup()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

test('first start: welcome app and certificate beside the binary, welcome index over HTTPS', { skip: binarySkip }, async () => {
  assert.equal(spawnSync('node', ['--version'], { env: box.env }).error?.message.includes('ENOENT'), true, 'no node on PATH')
  const r = await request(`${base}/welcome/default/index`)
  assert.equal(r.status, 200, r.body)
  assert.match(r.body, /<title>[^<]*Welcome/i)
  assert.ok(fs.existsSync(path.join(box.appDir, 'applications', 'welcome', 'controllers', 'default.ts')), 'welcome copied beside the binary')
  assert.ok(fs.readdirSync(box.appDir).some((f) => /cert/.test(f)), 'the self-signed certificate is kept beside the binary')
  assert.match(server.output(), /admin password[^:\n]*:\s*\S{8,}/i, 'the generated admin password is printed once')
  const css = await request(`${base}/_quark/bootstrap.min.css`)
  assert.equal(css.status, 200)
  assert.match(css.body.slice(0, 200), /Bootstrap/)
  // every /_quark/ asset ships inside the binary (the passkey library was missing from it once)
  for (const name of ['htmx.min.js', 'highlight.css', 'quark.js', 'simplewebauthn-browser.js', 'quark-passkey.js']) {
    const r = await request(`${base}/_quark/${name}`)
    assert.equal(r.status, 200, `/_quark/${name} from the binary`)
    assert.ok(r.body.length > 100, `/_quark/${name} has its content`)
  }
})

test('the admin answers with its login page', { skip: binarySkip }, async () => {
  const r = await follow(`${base}/admin`)
  // 503 "No admin password is set" means the first start did not generate one (issue 8 point 1)
  assert.equal(r.status, 200, r.body.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').slice(0, 400))
  assert.match(r.url, /\/admin\/default\/login/)
  assert.match(r.body, /<input[^>]*type="password"/)
})

test('quark new makes an app the running server serves', { skip: binarySkip }, async () => {
  const made = quark(['new', 'shop'])
  assert.equal(made.status, 0, made.out)
  assert.ok(fs.existsSync(path.join(box.appDir, 'applications', 'shop', 'controllers', 'default.ts')))
  const r = await request(`${base}/shop/default/index`)
  assert.equal(r.status, 200, r.body.slice(0, 500))
  const again = quark(['new', 'shop'])
  assert.notEqual(again.status, 0)
  assert.match(again.out, /shop/)
  const bad = quark(['new', '../evil'])
  assert.notEqual(bad.status, 0)
  assert.ok(!fs.existsSync(path.join(box.appDir, 'evil')))
  // the scaffold's own tests, from the binary (no node, no node_modules)
  const tested = quark(['test', 'shop'])
  assert.equal(tested.status, 0, tested.out)
  assert.match(tested.out, /# shop: 2 passed, 0 failed/)
})

test('a DB-backed page: SQLite through the embedded addon, file in the app', { skip: binarySkip }, async () => {
  await writeAppFile('shop/models/db.ts', [
    "export const db = new DAL('sqlite://storage.sqlite')",
    "db.defineTable('visit', Field('note', 'string'))",
  ].join('\n'))
  await writeAppFile('shop/controllers/visits.ts', [
    'export async function count() {',
    "  await db.visit.insert({ note: String(request.vars.note ?? 'x') })",
    '  return String(await db(db.visit).count())',
    '}',
  ].join('\n'))
  const one = await request(`${base}/shop/visits/count?note=a`)
  assert.equal(one.status, 200, one.body.slice(0, 800))
  assert.equal(one.body, '1')
  const two = await request(`${base}/shop/visits/count?note=b`)
  assert.equal(two.body, '2')
  assert.ok(fs.statSync(path.join(box.appDir, 'applications', 'shop', 'databases', 'storage.sqlite')).size > 0)
})

test('a controller edited on disk is live on the next request', { skip: binarySkip }, async () => {
  await writeAppFile('shop/controllers/live.ts', "export function version(): string { return 'one' }\n")
  assert.equal((await request(`${base}/shop/live/version`)).body, 'one')
  await writeAppFile('shop/controllers/live.ts', "export function version(): string { return 'two: ' + [1, 2].map((n: number) => n * 2).join(',') }\n")
  assert.equal((await request(`${base}/shop/live/version`)).body, 'two: 2,4')
})

/** Child processes of `pid` by command name (Linux /proc). */
function childrenOf(pid: number): string[] {
  const out: string[] = []
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8')
      const m = /^\d+ \((.*)\) \S+ (\d+)/.exec(stat)
      if (m && Number(m[2]) === pid) out.push(m[1]!)
    } catch { /* gone */ }
  }
  return out
}

test('a restart in the prepared folder serves the welcome app from the compile caches, without esbuild', { skip: binarySkip || (process.platform !== 'linux' && 'reads /proc') }, async () => {
  // the first start compiled the welcome app: its esbuild output is kept in the app, the templates' in the user cache
  assert.ok(fs.readdirSync(path.join(box.appDir, 'applications', 'welcome', '.quark', 'esbuild')).length >= 4)
  assert.ok(fs.existsSync(path.join(box.home, '.cache', 'quark', 'transforms')))
  const port = await freePort()
  const again = start(box.bin, ['--no-browser', '-p', String(port)], box.env, box.home)
  try {
    await again.waitFor(/https:\/\/127\.0\.0\.1:\d+/, 60_000)
    const r = await request(`https://127.0.0.1:${port}/welcome/default/index`)
    assert.equal(r.status, 200)
    assert.match(r.body, /<title>[^<]*Welcome/i)
    assert.deepEqual(childrenOf(again.child.pid!).filter((c) => /esbuild/.test(c)), [], 'no esbuild service was started')
  } finally {
    await again.stop()
  }
})

test('--selftest boots, serves, compiles TypeScript, queries SQLite and exits 0', { skip: binarySkip }, () => {
  const r = quark(['--selftest'])
  assert.equal(r.status, 0, r.out)
  for (const name of ['sqlite', 'typescript', 'parser', 'tls', 'assets', 'server']) assert.match(r.out, new RegExp(`^ok\\s+${name}\\b`, 'm'))
})

test('--version and --help work from the binary', { skip: binarySkip }, () => {
  const v = quark(['--version'])
  assert.equal(v.status, 0)
  // Quark's version, the embedded Node (the pinned LTS) and the target (issue 18)
  assert.equal(v.out.trim(), `${JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).version} (node v${NODE_VERSION}, linux-x64)`)
  const h = quark(['--help'])
  assert.equal(h.status, 0)
  assert.match(h.out, /\bnew\b/)
})
