// Hostile inputs: path traversal in all its encodings against static files, downloads, the
// admin editor (cases/traversal.jsonl) and .w2t installs (cases/w2t-entries.jsonl).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import zlib from 'node:zlib'
import type { TestServer, Agent } from '../helpers/server'
import { tarHeader } from '../../server/pack/index'
import { runCaseFile, statusOk, bodyOk, type CaseLine } from './lib/cases'
import { startHostileServer, adminAgent, sentinel } from './lib/hostileServer'
import { multipart } from './lib/multipart'

export const OUTSIDE_SECRET = 'QUARK-OUTSIDE-SECRET-91c2'

let s: TestServer
let admin: { agent: Agent; csrf: string }
const preexisting = new Set(['pwned.txt', 'pwned-create.ts', 'x'].filter((n) => fs.existsSync(path.join(os.tmpdir(), n))))

before(async () => {
  s = await startHostileServer()
  // a secret beside applications/ (outside every app): no path may reach it
  fs.writeFileSync(path.join(s.folder, 'outside-secret.txt'), OUTSIDE_SECRET + '\n')
  admin = await adminAgent(s)
})
after(() => s?.stop())

/** Every file under the server's folder (and /tmp's top) named pwned*: a traversal that wrote. */
function pwnedFiles(): string[] {
  const found: string[] = []
  const walk = (dir: string, depth: number) => {
    for (const d of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, d.name)
      if (/^pwned|^evil/.test(d.name) && !full.startsWith(path.join(s.appFolder('rel')) + path.sep)) found.push(full)
      if (d.isDirectory() && depth < 6 && d.name !== 'node_modules') walk(full, depth + 1)
    }
  }
  walk(s.folder, 0)
  // the names this suite's payloads would write at the top of the temp folder (only looked at: never removed there)
  for (const n of ['pwned.txt', 'pwned-create.ts', 'x']) if (fs.existsSync(path.join(os.tmpdir(), n)) && !preexisting.has(n)) found.push(path.join(os.tmpdir(), n))
  return found
}

async function check(c: CaseLine): Promise<string | undefined> {
  const file = String(c.file ?? '')
  let r
  switch (c.target) {
    case 'static': case 'download': r = await s.request(String(c.path)); break
    case 'admin-read': r = await admin.agent.request(`/admin/edit/file.json?app=rel&path=${encodeURIComponent(file)}`); break
    case 'admin-edit-page': r = await admin.agent.request(`/admin/edit/index/rel?file=${encodeURIComponent(file)}`); break
    case 'admin-save': r = await admin.agent.request('/admin/edit/save.json', { body: { app: 'rel', path: file, content: 'PWNED', force: true, _csrf: admin.csrf }, headers: { 'x-csrf-token': admin.csrf } }); break
    case 'admin-create': r = await admin.agent.request('/admin/design/create_file/rel', { form: { path: file, _csrf: admin.csrf } }); break
    default: return `unknown target ${String(c.target)}`
  }
  const bad = statusOk(c, r.status) ?? bodyOk(c, r.body)
  if (bad) return `${c.target} ${c.path ?? file}: ${bad}`
  const written = pwnedFiles()
  if (written.length) { for (const f of written) if (f.startsWith(s.folder)) fs.rmSync(f, { force: true, recursive: true }); return `wrote outside the app: ${written.join(', ')}` }
  return undefined
}

test('path traversal: static files, downloads, the admin editor', { timeout: 300_000 }, async () => {
  assert.ok(fs.existsSync('/etc/passwd'))
  const before = await sentinel(s)
  await runCaseFile('traversal.jsonl', check)
  assert.deepEqual(await sentinel(s), before)
})

/** A .w2t (gzipped tar) with a normal controller and the case's entry, built by hand (the packer would refuse it). */
function hostileW2t(c: CaseLine): Buffer {
  const blocks: Buffer[] = []
  const add = (name: string, type: string, data = Buffer.alloc(0), linkname?: string) => {
    blocks.push(tarHeader({ name, type, mode: 0o644, mtime: 1_700_000_000, size: type === '0' ? data.length : 0, linkname }))
    if (type === '0' && data.length) blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512))
  }
  add('controllers/', '5')
  add('controllers/default.ts', '0', Buffer.from('export function index() { return "installed" }\n'))
  add(String(c.entry), String(c.type), Buffer.from('EVIL\n'), c.link as string | undefined)
  blocks.push(Buffer.alloc(1024))
  return zlib.gzipSync(Buffer.concat(blocks))
}

let installs = 0
async function checkW2t(c: CaseLine): Promise<string | undefined> {
  const name = `inst${++installs}`
  const target = path.join(s.folder, 'applications', name)
  const { body, contentType } = multipart({ _csrf: admin.csrf, name }, [{ field: 'w2t', filename: 'x.w2t', type: 'application/octet-stream', data: hostileW2t(c) }])
  const r = await admin.agent.request('/admin/appadmin/install', { body, headers: { 'content-type': contentType } })
  const written = pwnedFiles()
  if (written.length) { for (const f of written) if (f.startsWith(s.folder)) fs.rmSync(f, { force: true, recursive: true }); return `wrote outside the app: ${written.join(', ')}` }
  const leftovers = fs.readdirSync(path.join(s.folder, 'applications')).filter((n) => n.startsWith('.unpack-'))
  if (leftovers.length) return `temporary folders left: ${leftovers.join(', ')}`
  if (c.expect === 'refused') {
    if (r.status !== 400) return `status ${r.status}, expected 400: ${r.body.slice(0, 200)}`
    if (fs.existsSync(target)) return `the app was installed: ${fs.readdirSync(target).join(', ')}`
    return undefined
  }
  if (r.status !== 303) return `status ${r.status}, expected 303 (installed): ${r.body.slice(0, 300)}`
  const all: string[] = []
  const walk = (d: string) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const f = path.join(d, e.name); all.push(f); if (e.isDirectory()) walk(f) } }
  walk(target)
  if (!all.every((f) => f.startsWith(target + path.sep))) return 'a file outside the app'
  if (!all.some((f) => f.endsWith(path.join('controllers', 'default.ts')))) return 'the controller is missing'
  return undefined
}

test('.w2t installs: hostile entry names and types', { timeout: 300_000 }, async () => {
  await runCaseFile('w2t-entries.jsonl', checkW2t, { parallel: 1, category: 'w2t-entries' })
})
