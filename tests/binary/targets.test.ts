// The four targets of `npm run build` (issue 18), built into one folder as
// `npm run build -- --dist <dir>` does: SHA256SUMS, the structure of each file,
// and the foreign ones run here where they can: linux-arm64 under qemu-user
// (--selftest, a SQLite page over HTTPS), win-x64 under wine (when this wine
// can start Node 26), darwin-x64 checked as a Mach-O file only.
// linux-x64 itself is tests/binary/binary.test.ts.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import crypto from 'node:crypto'
import { spawnSync } from 'node:child_process'
import { binarySkip, root, sandbox, start, request, type Sandbox } from './helpers'
import { NODE_VERSION, TARGETS } from '../../build/targets'
import { readMacho, CPU_TYPE_X86_64, machoLoadDigest, localSymbolCount } from '../../build/macho'
import { nodeExecutable } from '../../build/targets'
import { setUpWine, runWine, startWine, type Wine } from './wine'
import { buildWineProbe } from '../../build/wine-probe'
import {
  SEA_FUSE_FLIPPED, SEA_FUSE_UNFLIPPED, embeddedTarget, elfMachine, elfSections, EM_AARCH64, EM_X86_64, peInfo, hasPeResource,
  IMAGE_FILE_MACHINE_AMD64, IMAGE_SUBSYSTEM_WINDOWS_CUI, arm64Runner,
} from './cross'

let dist = ''
const VERSION = (JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version
const file = (name: keyof typeof TARGETS) => path.join(dist, TARGETS[name].file)

let ownDist = true
before(() => {
  if (binarySkip) return
  // QUARK_TARGETS_DIST=<dir>: test the binaries already there (e.g. dist/ after npm run build) instead of building
  if (process.env.QUARK_TARGETS_DIST) {
    dist = path.resolve(process.env.QUARK_TARGETS_DIST)
    ownDist = false
    return
  }
  dist = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-targets-'))
  // all four, one after the other, as `npm run build` does (no Monaco: the same for every target, tested in binary.test.ts)
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'build', 'build.ts'), '--dist', dist, '--no-monaco'], { cwd: root, encoding: 'utf8', timeout: 1_800_000 })
  if (r.status !== 0) throw new Error(`build failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  fs.writeFileSync(path.join(dist, 'build.log'), r.stdout + r.stderr)
})

after(() => { if (dist && ownDist) fs.rmSync(dist, { recursive: true, force: true }) })

test('the build prints only what a person needs: no strip warnings', { skip: binarySkip || (process.env.QUARK_TARGETS_DIST ? 'binaries given, not built' : false) }, () => {
  const log = fs.readFileSync(path.join(dist, 'build.log'), 'utf8')
  assert.doesNotMatch(log, /warning: Can't find string offset/)
  for (const line of log.trim().split('\n')) assert.match(line, /^# /, `an unexpected line: ${line}`)
  for (const t of Object.values(TARGETS)) assert.match(log, new RegExp(`${t.file}: [\\d.]+ MB in`))
})

test('SHA256SUMS lists every target, and each sum is right', { skip: binarySkip }, () => {
  const lines = fs.readFileSync(path.join(dist, 'SHA256SUMS'), 'utf8').trim().split('\n')
  assert.deepEqual(lines.map((l) => l.split(/\s+/)[1]).sort(), Object.values(TARGETS).map((t) => t.file).sort())
  for (const l of lines) {
    const [sum, name] = l.split(/\s+/)
    assert.equal(crypto.createHash('sha256').update(fs.readFileSync(path.join(dist, name!))).digest('hex'), sum, name)
  }
  // the tool a person uses says the same
  const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: dist, encoding: 'utf8' })
  if (!check.error) assert.equal(check.status, 0, check.stdout + check.stderr)
  // dist/quark (here <dir>/quark) is this machine's binary
  assert.ok(fs.readFileSync(path.join(dist, 'quark')).equals(fs.readFileSync(file('linux-x64'))))
})

test('each binary carries the SEA blob with its own target in the manifest, the fuse flipped', { skip: binarySkip }, () => {
  for (const t of Object.values(TARGETS)) {
    const data = fs.readFileSync(path.join(dist, t.file))
    assert.equal(embeddedTarget(data), t.name, `${t.file}: manifest`)
    assert.ok(data.includes(SEA_FUSE_FLIPPED), `${t.file}: fuse flipped`)
    assert.ok(!data.includes(SEA_FUSE_UNFLIPPED), `${t.file}: no unflipped fuse left`)
  }
})

test('linux-x64 and linux-arm64 are ELF executables of their machine, stripped', { skip: binarySkip }, () => {
  const x64 = fs.readFileSync(file('linux-x64'))
  assert.equal(elfMachine(x64), EM_X86_64)
  const arm = fs.readFileSync(file('linux-arm64'))
  assert.equal(elfMachine(arm), EM_AARCH64)
  // Node's packages carry symbols (arm64: debug info too, 150 MB); stripped, no .symtab nor .debug_* is left
  for (const [name, data] of [['linux-x64', x64], ['linux-arm64', arm]] as const) {
    const sections = elfSections(data)
    assert.ok(sections.includes('.text'), `${name}: sections read`)
    assert.deepEqual(sections.filter((n) => n === '.symtab' || n.startsWith('.debug')), [], `${name} is stripped`)
  }
})

test('win-x64 is a PE32+ x64 console executable with the NODE_SEA_BLOB resource', { skip: binarySkip }, () => {
  const data = fs.readFileSync(file('win-x64'))
  const pe = peInfo(data)
  assert.equal(pe.machine, IMAGE_FILE_MACHINE_AMD64)
  assert.ok(pe.pe32plus)
  // a console program: a double-clicked .exe opens a console showing the URL and the password
  assert.equal(pe.subsystem, IMAGE_SUBSYSTEM_WINDOWS_CUI)
  assert.ok(hasPeResource(data, 'NODE_SEA_BLOB'))
  assert.match(TARGETS['win-x64'].file, /\.exe$/)
})

test('darwin-x64 is a Mach-O x86_64 executable with the NODE_SEA segment and no stale signature', { skip: binarySkip }, () => {
  const m = readMacho(file('darwin-x64'))
  assert.equal(m.cputype, CPU_TYPE_X86_64)
  assert.equal(m.filetype, 2, 'MH_EXECUTE')
  assert.ok(m.segments.includes('NODE_SEA'), m.segments.join(' '))
  const blob = m.sections.find((s) => s.segment === 'NODE_SEA' && s.name === '__NODE_SEA_BLOB')
  assert.ok(blob && blob.size > 1_000_000, 'the blob section holds the bundle')
  assert.equal(m.signed, false, 'the signature Node shipped with (now invalid) was removed')
  // stripped of its local symbols (build/sea.ts stripMacho), the code itself untouched
  const node = nodeExecutable(TARGETS['darwin-x64'])
  assert.ok(localSymbolCount(node) > 100_000 && localSymbolCount(file('darwin-x64')) < 1000, `local symbols: ${localSymbolCount(file('darwin-x64'))}`)
  const before = machoLoadDigest(node)
  const after = machoLoadDigest(file('darwin-x64'))
  for (const k of ['section __TEXT,__text', 'section __TEXT,__const', 'section __DATA_CONST,__const', 'section __DATA,__data']) assert.equal(after[k], before[k], k)
})

test('sizes: Node 26 (105-117 MB of each, stripped) plus ~14 MB of Quark, nothing duplicated', { skip: binarySkip }, () => {
  // built here without Monaco (3 MB); the README has the full sizes
  for (const t of Object.values(TARGETS)) assert.ok(fs.statSync(path.join(dist, t.file)).size < 132e6, `${t.file}: ${fs.statSync(path.join(dist, t.file)).size}`)
})

// ---- linux-arm64 under qemu-user ----

const arm = process.env.QUARK_BINARY_TEST === '1' ? arm64Runner() : 'QUARK_BINARY_TEST=1 not set'
const armSkip = binarySkip || (typeof arm === 'string' ? arm : false)

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)) })
  })
}

/** An app whose page counts its visits in SQLite (a file in the app's databases/). */
function writeVisitsApp(appDir: string): void {
  const app = path.join(appDir, 'applications', 'visits')
  fs.mkdirSync(path.join(app, 'models'), { recursive: true })
  fs.mkdirSync(path.join(app, 'controllers'), { recursive: true })
  fs.writeFileSync(path.join(app, 'models', 'db.ts'), "export const db = new DAL('sqlite://storage.sqlite')\ndb.defineTable('visit', Field('note', 'string'))\n")
  fs.writeFileSync(path.join(app, 'controllers', 'default.ts'),
    "export async function index() {\n  await db.visit.insert({ note: String(request.vars.note ?? 'x') })\n  return `visits: ${await db(db.visit).count()}`\n}\n")
}

test('linux-arm64 under qemu: --version names the target, --selftest passes', { skip: armSkip, timeout: 900_000 }, () => {
  const box = sandbox(file('linux-arm64'))
  try {
    const env = { ...box.env, ...(arm as { env: NodeJS.ProcessEnv }).env }
    const v = spawnSync(box.bin, ['--version'], { env, cwd: box.home, encoding: 'utf8', timeout: 300_000 })
    assert.equal(v.stdout.trim(), `${VERSION} (node v${NODE_VERSION}, linux-arm64)`, v.stderr)
    const s = spawnSync(box.bin, ['--selftest'], { env: { ...env, QUARK_SELFTEST_BOOT_TIMEOUT: '300' }, cwd: box.home, encoding: 'utf8', timeout: 600_000 })
    assert.equal(s.status, 0, s.stdout + s.stderr)
    for (const name of ['sqlite', 'typescript', 'parser', 'tls', 'assets', 'server']) assert.match(s.stdout, new RegExp(`^ok\\s+${name}\\b`, 'm'))
    assert.match(s.stdout, /through node:sqlite/)
  } finally { box.cleanup() }
})

test('linux-arm64 under qemu: the server in an empty folder serves the welcome index and a SQLite page over HTTPS', { skip: armSkip, timeout: 900_000 }, async () => {
  const box = sandbox(file('linux-arm64'))
  const env = { ...box.env, ...(arm as { env: NodeJS.ProcessEnv }).env }
  writeVisitsApp(box.appDir)
  const port = await freePort()
  const server = start(box.bin, ['--no-browser', '-p', String(port)], env, box.home)
  try {
    const base = (await server.waitFor(/(https:\/\/127\.0\.0\.1:\d+)/, 600_000))[1]!
    const welcome = await request(`${base}/welcome/default/index`)
    assert.equal(welcome.status, 200, welcome.body.slice(0, 500))
    assert.match(welcome.body, /<title>[^<]*Welcome/i)
    const one = await request(`${base}/visits/default/index?note=a`)
    assert.equal(one.status, 200, one.body.slice(0, 800))
    assert.equal(one.body, 'visits: 1')
    assert.equal((await request(`${base}/visits/default/index?note=b`)).body, 'visits: 2')
    assert.ok(fs.statSync(path.join(box.appDir, 'applications', 'visits', 'databases', 'storage.sqlite')).size > 0, 'the database lives beside the binary')
  } finally {
    await server.stop()
    box.cleanup()
  }
})

// ---- win-x64 under wine ----
// Debian 12's wine 8.0 cannot start Node 26 (see build/wine-probe.ts): when the
// shipped .exe does not start, the same bundle and assets in Node 22's node.exe
// (the wine probe) run instead, so Quark's Windows code paths are still exercised.

const wineSkip = binarySkip || (process.env.QUARK_WINE_TEST !== '1' && 'set QUARK_WINE_TEST=1 (npm run test:binaries)')
let wine: Wine | string = 'not set up'
let winExe = ''
let winNode = ''
let wineDir = ''

async function prepareWine(): Promise<void> {
  if (winExe || typeof wine !== 'string' || wine !== 'not set up') return
  wineDir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-wine-'))
  wine = setUpWine(path.join(wineDir, 'prefix'))
  if (typeof wine === 'string') return
  const probe = runWine(wine, file('win-x64'), ['--version'], wineDir, path.join(wineDir, 'version.log'), 300_000)
  if (probe.status === 0) { winExe = file('win-x64'); winNode = `v${NODE_VERSION}`; return }
  if (!/SegmentedTable::InitializeTable/.test(probe.out)) throw new Error(`the .exe does not start under wine:\n${probe.out}`)
  winExe = path.join(wineDir, 'quark-wine-probe.exe')
  await buildWineProbe(root, winExe)
  winNode = 'v22.23.3'
}

after(async () => {
  if (typeof wine !== 'string') spawnSync('wineserver', ['-k'], { env: wine.env, stdio: 'ignore', timeout: 60_000 })
  if (wineDir) fs.rmSync(wineDir, { recursive: true, force: true })
})

test('win-x64 under wine: --version names the target, --selftest passes', { skip: wineSkip, timeout: 1_200_000 }, async (t) => {
  await prepareWine()
  if (typeof wine === 'string') { t.skip(wine); return }
  const dir = fs.mkdtempSync(path.join(wineDir, 'selftest-'))
  const exe = path.join(dir, 'quark.exe')
  fs.copyFileSync(winExe, exe)
  const v = runWine(wine, exe, ['--version'], dir, path.join(wineDir, 'v.log'))
  assert.match(v.out, new RegExp(`^${VERSION.replace(/\./g, '\\.')} \\(node ${winNode.replace(/\./g, '\\.')}, win-x64\\)$`, 'm'))
  const s = runWine(wine, exe, ['--selftest'], dir, path.join(wineDir, 'selftest.log'))
  assert.equal(s.status, 0, s.out)
  for (const name of ['sqlite', 'typescript', 'parser', 'tls', 'assets', 'server']) assert.match(s.out, new RegExp(`^ok\\s+${name}\\b`, 'm'))
  // esbuild.exe extracted under %LOCALAPPDATA%\quark (a Windows path, drive letter and backslashes)
  assert.match(s.out, /esbuild [\d.]+ at C:\\users\\[^\\]+\\AppData\\Local\\quark\\cache\\[\w-]+\\esbuild\.exe/)
})

test('win-x64 under wine: from an empty folder the welcome index, the admin login and editor over HTTPS, a SQLite page, static files, tickets, pack/unpack; data beside the .exe', { skip: wineSkip, timeout: 1_200_000 }, async (t) => {
  await prepareWine()
  if (typeof wine === 'string') { t.skip(wine); return }
  const dir = fs.mkdtempSync(path.join(wineDir, 'drive-'))
  const exe = path.join(dir, 'quark.exe')
  fs.copyFileSync(winExe, exe)
  const port = await freePort()
  // started from another folder, as a double-click from Explorer would: data must land beside the .exe
  const server = startWine(wine, exe, ['--no-browser', '-p', String(port)], wineDir, path.join(wineDir, 'server.log'))
  try {
    const base = (await server.waitFor(/(https:\/\/127\.0\.0\.1:\d+)/, 600_000))[1]!
    assert.match(server.output(), /admin password[^:\n]*:\s*\S{8,}/i, 'the admin password is printed on the console')
    const welcome = await request(`${base}/welcome/default/index`)
    assert.equal(welcome.status, 200, `${welcome.body.slice(0, 500)}\n${server.output()}`)
    assert.match(welcome.body, /<title>[^<]*Welcome/i)
    assert.ok(fs.existsSync(path.join(dir, 'applications', 'welcome', 'controllers', 'default.ts')), 'applications/ beside the .exe')
    let url = `${base}/admin`
    let r = await request(url)
    for (let i = 0; i < 5 && r.status >= 300 && r.status < 400 && r.headers.location; i++) { url = new URL(r.headers.location, url).href; r = await request(url) }
    assert.equal(r.status, 200, r.body.slice(0, 400))
    assert.match(url, /\/admin\/default\/login/)
    assert.match(r.body, /<input[^>]*type="password"/)
    writeVisitsApp(dir)
    await new Promise((res) => setTimeout(res, 1500))  // the server notices a new app on its next look
    const one = await request(`${base}/visits/default/index?note=a`)
    assert.equal(one.status, 200, `${one.body.slice(0, 800)}\n${server.output()}`)
    assert.equal(one.body, 'visits: 1')
    assert.equal((await request(`${base}/visits/default/index?note=b`)).body, 'visits: 2')
    assert.ok(fs.statSync(path.join(dir, 'applications', 'visits', 'databases', 'storage.sqlite')).size > 0)
    // a static file of an app (a path joined from URL parts on a drive-letter folder)
    const css = fs.readdirSync(path.join(dir, 'applications', 'welcome', 'static', 'css'))[0]!
    const st = await request(`${base}/welcome/static/css/${css}`)
    assert.equal(st.status, 200)
    assert.equal(st.body, fs.readFileSync(path.join(dir, 'applications', 'welcome', 'static', 'css', css), 'utf8'))
    // an error becomes a ticket stored in the app's errors/ folder
    fs.writeFileSync(path.join(dir, 'applications', 'visits', 'controllers', 'boom.ts'), "export function index() { throw new Error('boom on windows') }\n")
    await new Promise((res) => setTimeout(res, 1500))
    const boom = await request(`${base}/visits/boom/index`)
    assert.equal(boom.status, 500)
    const tickets = fs.readdirSync(path.join(dir, 'applications', 'visits', 'errors'))
    assert.equal(tickets.length, 1)
    assert.match(fs.readFileSync(path.join(dir, 'applications', 'visits', 'errors', tickets[0]!), 'utf8'), /boom on windows/)
    // the admin's editor: log in with the printed password, read a file, save it, the page changes
    const password = /admin password[^:\n]*:\s*(\S+)/i.exec(server.output())![1]!
    const jar = new Map<string, string>()
    const call = async (p: string, o: { method?: string; headers?: Record<string, string>; body?: string } = {}) => {
      const r = await request(`${base}${p}`, { ...o, headers: { ...o.headers, cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } })
      for (const c of ([] as string[]).concat(r.headers['set-cookie'] ?? [])) { const [kv] = c.split(';'); const i = kv!.indexOf('='); jar.set(kv!.slice(0, i), kv!.slice(i + 1)) }
      return r
    }
    const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!
    const loginPage = await call('/admin/default/login')
    const form = new URLSearchParams({ _csrf: csrf(loginPage.body), password, _next: '/admin/default/index' }).toString()
    const login = await call('/admin/default/login', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form })
    assert.equal(login.status, 303, login.body.slice(0, 300))
    const token = csrf((await call('/admin/default/index')).body)
    const opened = await call('/admin/edit/file.json?app=visits&path=controllers/default.ts')
    assert.equal(opened.status, 200, opened.body.slice(0, 300))
    const f = JSON.parse(opened.body) as { content: string; hash: string }
    assert.match(f.content, /visits: /)
    const saved = await call('/admin/edit/save.json', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token },
      body: JSON.stringify({ app: 'visits', path: 'controllers/default.ts', content: f.content.replace('visits: ', 'edited on windows, visits: '), hash: f.hash }) })
    assert.equal(saved.status, 200, saved.body.slice(0, 300))
    assert.match(fs.readFileSync(path.join(dir, 'applications', 'visits', 'controllers', 'default.ts'), 'utf8'), /edited on windows/)
    await new Promise((res) => setTimeout(res, 1500))
    assert.match((await request(`${base}/visits/default/index`)).body, /^edited on windows, visits: \d+$/)
    // pack and unpack through the .exe: Windows paths inside, '/' paths in the archive
    const packed = runWine(wine, exe, ['pack', 'visits', 'visits.w2t'], dir, path.join(wineDir, 'pack.log'))
    assert.equal(packed.status, 0, packed.out)
    const w2t = [dir, path.join(dir, 'applications')].map((d) => path.join(d, 'visits.w2t')).find((f) => fs.existsSync(f))
    assert.ok(w2t, `the .w2t was written: ${packed.out}`)
    const unpacked = runWine(wine, exe, ['unpack', w2t === path.join(dir, 'visits.w2t') ? 'visits.w2t' : 'applications\\visits.w2t', 'copy'], dir, path.join(wineDir, 'unpack.log'))
    assert.equal(unpacked.status, 0, unpacked.out)
    assert.ok(fs.existsSync(path.join(dir, 'applications', 'copy', 'controllers', 'default.ts')), unpacked.out)
    assert.equal((await request(`${base}/copy/default/index`)).status, 200)
  } finally {
    await server.stop()
  }
})
