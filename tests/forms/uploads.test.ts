/**
 * Uploads through SQLFORM over real HTTPS: a file uploaded and downloaded
 * back byte-identical under its original name; oversize uploads refused with
 * nothing left on disk (server limit and field limit); hostile names stored
 * under safe generated names; download refuses names that escape the folder.
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import os from 'node:os'
import { randomBytes } from 'node:crypto'
import { startServer, type TestServer, type Agent } from '../helpers/server'
import { FORMS_APP, formKey, multipart, type FilePart } from './app'
import https from 'node:https'
import { cleanOriginalName, makeStoredName, parseStoredName, storedPath, storeUpload, removeUpload } from '../../server/forms'

let s: TestServer
let tmp: string
before(async () => {
  // a temp folder of our own, to see that nothing is left in it
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-forms-tmp-'))
  s = await startServer({ apps: { shop: FORMS_APP }, options: { maxFileSize: 300_000, uploadTmp: tmp } })
})
after(async () => { await s?.stop(); fs.rmSync(tmp, { recursive: true, force: true }) })

const uploads = () => path.join(s.appFolder('shop'), 'uploads')
const stored = () => (fs.existsSync(uploads()) ? fs.readdirSync(uploads()) : [])
const temps = () => (fs.existsSync(tmp) ? fs.readdirSync(tmp) : [])

async function post(a: Agent, file: FilePart, name = 'Doc'): Promise<{ status: number; body: string }> {
  const page = await a.request('/shop/default/create')
  const { body, headers } = multipart({ name, qty: '1', kind: 'a', _formname: 'thing/create', _formkey: formKey(page.body), doc: file })
  return a.request('/shop/default/create', { method: 'POST', body, headers })
}

async function docOf(a: Agent, id: number): Promise<string> {
  const rows = JSON.parse((await a.request('/shop/default/list')).body)
  return rows.find((r: any) => r.id === id).doc
}

test('a file uploaded and downloaded back byte-identical, under its original name and type', async () => {
  const a = s.agent()
  const data = randomBytes(150_000)
  const r = await post(a, { filename: 'Rapport été 2024.pdf', data, type: 'application/pdf' })
  assert.match(r.body, /^CREATED \d+$/)
  const id = Number(r.body.split(' ')[1])
  const name = await docOf(a, id)
  assert.match(name, /^thing\.doc\.[0-9a-f]{16}\.[A-Za-z0-9_-]+\.pdf$/)
  assert.ok(fs.existsSync(path.join(uploads(), name)))
  const d = await a.request(`/shop/default/download/${name}`)
  assert.equal(d.status, 200)
  assert.ok(d.buffer.equals(data), 'downloaded bytes differ')
  assert.equal(d.headers['content-type'], 'application/pdf')
  assert.equal(d.headers['content-disposition'], `attachment; filename="Rapport _t_ 2024.pdf"; filename*=UTF-8''${encodeURIComponent('Rapport été 2024.pdf')}`)
  assert.deepEqual(temps(), [], 'temp file left behind')
  // the edit form links the current file and offers a delete box; checking it clears the field and removes the file
  const edit = await a.request(`/shop/default/edit/${id}`)
  assert.match(edit.body, new RegExp(`href="/shop/default/download/${name.replace(/\./g, '\\.')}"`))
  assert.match(edit.body, /name="doc__delete"/)
  const hash = /name="_record_hash" type="hidden" value="([0-9a-f]+)"/.exec(edit.body)![1]!
  const mp = multipart({ name: 'Doc', qty: '1', kind: 'a', doc__delete: 'on', _formname: `thing/${id}`, _formkey: formKey(edit.body), _record_hash: hash })
  const up = await a.request(`/shop/default/edit/${id}`, { method: 'POST', body: mp.body, headers: mp.headers })
  assert.equal(up.body, `UPDATED ${id}`)
  assert.equal(await docOf(a, id), '')
  assert.equal(fs.existsSync(path.join(uploads(), name)), false)
})

test('oversize uploads are refused with nothing left on disk', async () => {
  const a = s.agent()
  const before = stored()
  // over the server's maxFileSize: 413 before the action runs
  const big = await post(a, { filename: 'big.bin', data: randomBytes(400_000) })
  assert.equal(big.status, 413)
  assert.match(big.body, /larger than 300000 bytes/)
  // over the field's uploadMaxSize (200000): a form error, no record, no file
  const mid = await post(a, { filename: 'mid.bin', data: randomBytes(250_000) })
  assert.equal(mid.status, 200)
  assert.match(mid.body, /id="doc__error">File too large \(at most 200000 bytes\)</)
  await new Promise((r) => setTimeout(r, 100))
  assert.deepEqual(stored(), before)
  assert.deepEqual(temps(), [])
  const rows = JSON.parse((await a.request('/shop/default/list')).body)
  assert.equal(rows.filter((r: any) => r.name === 'Doc' && /mid|big/.test(r.doc ?? '')).length, 0)
})

test('hostile file names are stored under safe names inside uploads/ and come back cleaned', async () => {
  const a = s.agent()
  const cases: Array<[string, string]> = [
    ['../../../etc/passwd', 'passwd'],
    ['/etc/shadow.txt', 'shadow.txt'],
    ['..\\..\\windows\\win.ini', 'win.ini'],
    ['a'.repeat(300) + '.txt', 'a'.repeat(116) + '.txt'],
    ['..', 'file'],
  ]
  for (const [hostile, expected] of cases) {
    const data = randomBytes(100)
    const r = await post(a, { filename: hostile, data })
    assert.match(r.body, /^CREATED \d+$/, `upload of ${JSON.stringify(hostile)}`)
    const name = await docOf(a, Number(r.body.split(' ')[1]))
    assert.ok(name.length < 255, 'stored name too long for a filesystem')
    assert.doesNotMatch(name, /[/\\\u0000]|\.\./)
    assert.ok(fs.existsSync(path.join(uploads(), name)))
    assert.equal(parseStoredName(name).original, expected)
    const d = await a.request(`/shop/default/download/${name}`)
    assert.ok(d.buffer.equals(data))
    assert.match(String(d.headers['content-disposition']), new RegExp(`filename\\*=UTF-8''${encodeURIComponent(expected).replace(/[.*]/g, '\\$&')}$`))
  }
  // a raw NUL in the part header: the body is refused as malformed, nothing stored
  const count = stored().length
  const nul = await post(a, { filename: 'evil\u0000.php.txt', data: randomBytes(10) })
  assert.equal(nul.status, 400)
  assert.equal(stored().length, count)
  // and given by code, the NUL is dropped
  assert.equal(cleanOriginalName('evil\u0000.php.txt'), 'evil.php.txt')
  // nothing was written outside uploads/
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]))
  const loose = walk(s.folder).filter((f) => /passwd|shadow|win\.ini/.test(path.basename(f)))
  assert.deepEqual(loose, [])
  assert.ok(walk(uploads()).every((f) => path.dirname(f) === uploads()))
})

test('download refuses names that escape the folder or are not stored names', async () => {
  const a = s.agent()
  for (const bad of ['..%2F..%2Fmodels%2Fdb.ts', '%2Fetc%2Fpasswd', 'db.ts', 'thing.doc.zz.YQ.txt', 'thing.doc.0123456789abcdef.YQ.t%00xt']) {
    const r = await a.request(`/shop/default/download/${bad}`)
    assert.ok(r.status === 400 || r.status === 404, `${bad} gave ${r.status}`)
    assert.doesNotMatch(r.body, /defineTable/)
  }
  // a well-formed name for a field that is not an upload field of the db
  const r = await a.request(`/shop/default/download/${makeStoredName('thing', 'name', 'x.txt')}`)
  assert.equal(r.status, 404)
  assert.throws(() => storedPath('/x', '../thing.doc.0123456789abcdef.YQ.txt'), { code: 'QK_FORMS_BAD_UPLOAD_NAME' })
  assert.equal(cleanOriginalName('a/b\\c\u0001d.txt'), 'cd.txt')
})

test('an upload aborted mid-body leaves no temp file and no stored file', async () => {
  const a = s.agent()
  const page = await a.request('/shop/default/create')
  const { body, headers } = multipart({ name: 'Half', qty: '1', kind: 'a', _formname: 'thing/create', _formkey: formKey(page.body), doc: { filename: 'half.bin', data: randomBytes(250_000) } })
  const before = stored()
  const url = new URL(s.url)
  await new Promise<void>((resolve) => {
    const req = https.request({ hostname: url.hostname, port: url.port, path: '/shop/default/create', method: 'POST', rejectUnauthorized: false,
      headers: { ...headers, 'content-length': String(body.length), cookie: Object.entries(a.jar).map(([k, v]) => `${k}=${v}`).join('; ') } })
    req.on('error', () => resolve())
    req.on('close', () => resolve())
    req.write(body.subarray(0, 150_000), () => setTimeout(() => req.destroy(), 150))
  })
  await new Promise((r) => setTimeout(r, 300))
  assert.deepEqual(temps(), [])
  assert.deepEqual(stored(), before)
  const rows = JSON.parse((await a.request('/shop/default/list')).body)
  assert.equal(rows.filter((r: any) => r.name === 'Half').length, 0)
})

test('storeUpload: buffers, uploadseparate subfolders, size limits, download through the field settings', async () => {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-forms-store-'))
  try {
    const data = randomBytes(1000)
    const name = await storeUpload({ filename: 'pic.PNG', data }, { table: 'thing', field: 'doc', folder, uploadseparate: true })
    assert.match(name, /^thing\.doc\.([0-9a-f]{16})\.[\w-]+\.png$/)
    const p = storedPath(folder, name, true)
    assert.equal(path.relative(folder, p), path.join('thing.doc', name.split('.')[2]!.slice(0, 2), name))
    assert.ok(fs.readFileSync(p).equals(data))
    await assert.rejects(storeUpload({ filename: 'big.bin', data: randomBytes(100) }, { table: 'thing', field: 'doc', folder, maxSize: 50 }), { code: 'QK_FORMS_UPLOAD_TOO_LARGE' })
    // a temp file refused for its size is removed
    const t = path.join(folder, 'tmpfile')
    fs.writeFileSync(t, randomBytes(100))
    await assert.rejects(storeUpload({ filename: 'big.bin', path: t }, { table: 'thing', field: 'doc', folder, maxSize: 50 }), { code: 'QK_FORMS_UPLOAD_TOO_LARGE' })
    assert.equal(fs.existsSync(t), false)
    await removeUpload(name, { folder, uploadseparate: true })
    assert.equal(fs.existsSync(p), false)
    // outside a request and with no folder: a clear error
    await assert.rejects(storeUpload({ filename: 'x', data }, { table: 'thing', field: 'doc' }), { code: 'QK_FORMS_NO_UPLOAD_FOLDER' })
  } finally {
    fs.rmSync(folder, { recursive: true, force: true })
  }
})
