/**
 * Guards for forms/ found by mutation testing (issue 17 item 6): the CSRF
 * form key (one-time, per form, per session; the explicit opt-out; the
 * bounded key lists) over HTTP and at unit level, and the upload names and
 * paths (what may reach the filesystem, what is stored, what is served).
 */
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'
import { runInContext, newState } from '../../server/current'
import { FORM, newFormKey } from '../../server/forms'
import { INPUT } from '../../server/html'
import {
  cleanOriginalName, makeStoredName, parseStoredName, storedPath, storeUpload, removeUpload, contentDisposition,
  download, isIncomingFile, isEmptyFile, uploadsFolder,
} from '../../server/forms/uploads'

let s: TestServer
const base = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-forms-guard-'))

before(async () => {
  s = await startServer({
    apps: {
      app: {
        'controllers/default.ts': `
          export async function plain() {
            const form = FORM(INPUT({ _name: 'x' }), INPUT({ _type: 'submit' }))
            await form.process()
            return form.accepted ? 'ACCEPTED ' + JSON.stringify(form.vars) : String(form)
          }
        `,
      },
    },
  })
})
after(async () => { await s.stop(); fs.rmSync(base, { recursive: true, force: true }) })

const keyOf = (html: string) => /name="_formkey" type="hidden" value="([^"]+)"/.exec(html)?.[1]

test('over HTTP: a cross-site POST without the page\'s key is refused, with the key it is accepted once', async () => {
  const a = s.agent()
  const page = await a.request('/app/default/plain')
  const key = keyOf(page.body)!
  assert.match(key, /^[A-Za-z0-9_-]{24}$/, 'an 18-byte random key')
  // the attacker's page posts the field (with or without the form name) but cannot know the key
  for (const form of [{ x: 'evil' }, { x: 'evil', _formname: 'default' }, { x: 'evil', _formname: 'default', _formkey: '' }] as Record<string, string>[]) {
    const r = await a.request('/app/default/plain', { form })
    assert.doesNotMatch(r.body, /ACCEPTED/)
    assert.match(r.body, /Form key missing: the form was not submitted from its page/)
  }
  const ok = await a.request('/app/default/plain', { form: { x: 'good', _formname: 'default', _formkey: key } })
  assert.equal(ok.body, 'ACCEPTED {"x":"good"}')
  const replay = await a.request('/app/default/plain', { form: { x: 'again', _formname: 'default', _formkey: key } })
  assert.match(replay.body, /This form was already submitted \(a form key is valid once\)/)
  // a client without the session cookie has no keys at all: told why
  const stranger = await s.request('/app/default/plain', { form: { x: 'y', _formname: 'default', _formkey: key } })
  assert.match(stranger.body, /Form key unknown: no form keys in this session \(cookies disabled, or session.forget\(\) on the page that showed the form\)/)
})

// ---- unit level: one request state per call, a plain session object ----

type Sess = Record<string, any>
async function submit(session: Sess | null | undefined, post: Record<string, unknown> | undefined, opts: Record<string, unknown> = {}, method = 'POST') {
  const state = newState(base, 'app', { request: { method, postVars: post }, session: session ?? undefined })
  return runInContext(state, async () => {
    const form = FORM(INPUT({ _name: 'x' }), INPUT({ _name: 'y' }))
    await form.process(session === null ? { ...opts, session: null } : opts)
    return form
  })
}
async function fresh(session: Sess, formname?: string): Promise<string> {
  const f = await submit(session, undefined, formname ? { formname } : {}, 'GET')
  return f.formkey!
}

test('unit: the key is checked for the form that was posted, by name; other forms and GETs are not processed', async () => {
  const session: Sess = {}
  const k = await fresh(session)
  const other = await submit(session, { _formname: 'other', x: '1', _formkey: k })
  assert.equal(other.accepted, false)
  assert.deepEqual(other.errors, {}, 'a post for another form is not this form\'s submission')
  const get = await submit(session, { _formname: 'default', x: '1', _formkey: k }, {}, 'GET')
  assert.equal(get.accepted, false)
  assert.deepEqual(get.errors, {})
  const unrelated = await submit(session, { z: '1' })
  assert.deepEqual(unrelated.errors, {}, 'a post naming none of the fields is not a submission')
  const noPost = await submit(session, undefined)
  assert.deepEqual(noPost.errors, {})
  const ok = await submit(session, { _formname: 'default', x: '1', _formkey: k })
  assert.equal(ok.accepted, true)
  // after acceptance a new key is issued for the next submission
  assert.ok(ok.formkey && ok.formkey !== k)
  assert.ok(session._formkeys.default.includes(ok.formkey))
})

test('unit: a post without a form name but with the form\'s fields is checked (and refused without a key)', async () => {
  const session: Sess = {}
  await fresh(session)
  const f = await submit(session, { x: 'forged' })
  assert.equal(f.accepted, false)
  assert.match(f.errors._formkey ?? '', /Form key missing/)
  const g = await submit(session, { y: 'forged' })
  assert.match(g.errors._formkey ?? '', /Form key missing/)
})

test('unit: non-string keys are refused, even when the session holds several keys', async () => {
  const session: Sess = {}
  const k1 = await fresh(session)
  await fresh(session)
  for (const bad of [[k1], 1, { k: k1 }, null]) {
    const f = await submit(session, { _formname: 'default', x: '1', _formkey: bad })
    assert.equal(f.accepted, false, JSON.stringify(bad))
    assert.match(f.errors._formkey ?? '', /Form key missing/)
  }
  assert.equal(session._formkeys.default.length, 2 + 4, 'no key was consumed (one issued per refusal)')
})

test('unit: process({ session: null }) opts out of the check; no key is issued or rendered', async () => {
  const f = await submit(null, { _formname: 'default', x: '1' })
  assert.equal(f.accepted, true)
  assert.equal(f.formkey, undefined)
  const html = String(f)
  assert.doesNotMatch(html, /_formkey/)
  assert.match(html, /name="_formname" type="hidden" value="default"/)
})

test('unit: without a session (none in the request) the key is unknown, and none is issued', async () => {
  const f = await submit(undefined, { _formname: 'default', x: '1', _formkey: 'abc' })
  assert.equal(f.accepted, false)
  assert.match(f.errors._formkey ?? '', /Form key unknown/)
  assert.equal(f.formkey, undefined)
})

test('unit: keys of one form do not open another form; the rendered page carries the current key', async () => {
  const session: Sess = {}
  const kA = await fresh(session, 'a')
  const kB = await fresh(session, 'b')
  const wrong = await submit(session, { _formname: 'b', x: '1', _formkey: kA }, { formname: 'b' })
  assert.equal(wrong.accepted, false)
  assert.match(wrong.errors._formkey ?? '', /Form key expired or invalid: reload the page and submit again/)
  const right = await submit(session, { _formname: 'b', x: '1', _formkey: kB }, { formname: 'b' })
  assert.equal(right.accepted, true)
  assert.ok(String(right).includes(`name="_formkey" type="hidden" value="${right.formkey}"`))
  assert.ok(String(right).includes('name="_formname" type="hidden" value="b"'))
})

test('unit: at most 10 keys per form are kept (the oldest expires) and the last 10 used keys are remembered', async () => {
  const session: Sess = {}
  const keys: string[] = []
  for (let i = 0; i < 11; i++) keys.push(newFormKey(session, 'f'))
  assert.equal(session._formkeys.f.length, 10)
  assert.ok(!session._formkeys.f.includes(keys[0]), 'the oldest key expired')
  const expired = await submit(session, { _formname: 'f', x: '1', _formkey: keys[0] }, { formname: 'f' })
  assert.match(expired.errors._formkey ?? '', /expired or invalid/)
  // use 11 keys, one after the other
  const s2: Sess = {}
  const used: string[] = []
  for (let i = 0; i < 11; i++) {
    const k = newFormKey(s2, 'g')
    used.push(k)
    const r = await submit(s2, { _formname: 'g', x: '1', _formkey: k }, { formname: 'g' })
    assert.equal(r.accepted, true, `use ${i}`)
  }
  assert.equal(s2._formkeysUsed.g.length, 10)
  const replayRecent = await submit(s2, { _formname: 'g', x: '1', _formkey: used[1] }, { formname: 'g' })
  assert.match(replayRecent.errors._formkey ?? '', /already submitted/, 'the 2nd of 11 used keys is still remembered')
  const replayOld = await submit(s2, { _formname: 'g', x: '1', _formkey: used[0] }, { formname: 'g' })
  assert.match(replayOld.errors._formkey ?? '', /expired or invalid/, 'the 1st is forgotten')
})

test('unit: at most 50 forms keep keys in a session (the oldest form\'s keys go first), used lists likewise', () => {
  const session: Sess = {}
  for (let i = 0; i < 50; i++) newFormKey(session, `form${i}`)
  session._formkeysUsed = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`form${i}`, ['x']]))
  newFormKey(session, 'form0') // an existing form: nothing dropped
  assert.equal(Object.keys(session._formkeys).length, 50)
  assert.equal(session._formkeys.form0.length, 2)
  newFormKey(session, 'form50')
  assert.equal(Object.keys(session._formkeys).length, 50)
  assert.ok(!('form0' in session._formkeys) && 'form1' in session._formkeys && 'form50' in session._formkeys)
  assert.equal(Object.keys(session._formkeysUsed).length, 49)
  assert.ok(!('form0' in session._formkeysUsed) && 'form1' in session._formkeysUsed)
  // fewer than 50 used lists: none dropped
  const s2: Sess = { _formkeysUsed: { a: ['x'] } }
  newFormKey(s2, 'b')
  assert.deepEqual(Object.keys(s2._formkeysUsed), ['a'])
})

// ---- uploads ----

const NAME16 = '0123456789abcdef'

test('parseStoredName accepts only the generated shape: no path, no traversal, anchored at both ends', () => {
  const good = `thing.doc.${NAME16}.${Buffer.from('report.pdf').toString('base64url')}.pdf`
  assert.deepEqual(parseStoredName(good), { table: 'thing', field: 'doc', random: NAME16, original: 'report.pdf' })
  const bad = [
    `../${good}`, `x/${good}`, `${good}/../../x`, `${good}x!`, `_t.doc.${NAME16}.YQ.pdf`, `t.doc.${NAME16.slice(1)}.YQ.pdf`,
    `t.doc.${NAME16}0.YQ.pdf`, `t.doc.${NAME16.toUpperCase()}.YQ.pdf`, `t.doc.${NAME16}.Y/Q.pdf`, `t.doc.${NAME16}.YQ.PDF`,
    `t.doc.${NAME16}.YQ.abcdefghijk`, `t.doc.${NAME16}.YQ.`, `t..${NAME16}.YQ.pdf`, `1t.doc.${NAME16}.YQ.pdf`, '', 'a.b',
  ]
  for (const n of bad) {
    assert.throws(() => parseStoredName(n), (e: Error & { code?: string }) => e.code === 'QK_FORMS_BAD_UPLOAD_NAME', n)
  }
  assert.throws(() => parseStoredName(42 as unknown as string), (e: Error & { code?: string }) => e.code === 'QK_FORMS_BAD_UPLOAD_NAME')
  assert.throws(() => parseStoredName({ toString: () => good } as unknown as string), (e: Error & { code?: string }) => e.code === 'QK_FORMS_BAD_UPLOAD_NAME', 'only strings')
  const long = 'x'.repeat(300)
  assert.throws(() => parseStoredName(long), (e: Error) => e.message.includes(JSON.stringify('x'.repeat(200))) && !e.message.includes('x'.repeat(201)))
  assert.deepEqual(parseStoredName(`t.d.${NAME16}..bin`).original, '', 'an empty encoded name is allowed')
})

test('cleanOriginalName: no directories, no control characters, no leading dots, bounded, UTF-8 recovered', () => {
  assert.equal(cleanOriginalName('../../etc/passwd'), 'passwd')
  assert.equal(cleanOriginalName('C:\\Users\\x\\evil.exe'), 'evil.exe')
  assert.equal(cleanOriginalName('a\u0000b\u001fc\u007fd.txt'), 'abcd.txt')
  assert.equal(cleanOriginalName('...hidden'), 'hidden')
  assert.equal(cleanOriginalName('  spaced.txt  '), 'spaced.txt')
  assert.equal(cleanOriginalName('dir/'), 'file')
  assert.equal(cleanOriginalName(''), 'file')
  assert.equal(cleanOriginalName('..'), 'file')
  assert.equal(cleanOriginalName('a.b.c'), 'a.b.c', 'inner dots kept')
  // busboy gives UTF-8 bytes read as latin1: recovered; a genuine latin1 name is kept
  assert.equal(cleanOriginalName(Buffer.from('café.txt', 'utf8').toString('latin1')), 'café.txt')
  assert.equal(cleanOriginalName('caf\u00e9.txt'), 'caf\u00e9.txt')
  assert.equal(cleanOriginalName('日本.txt'), '日本.txt', 'already decoded text is kept')
  // characters above U+00FF mean the name was decoded already, even when their low bytes would make UTF-8
  assert.equal(cleanOriginalName('\u01c3\u01a9.txt'), '\u01c3\u01a9.txt')
  assert.equal(cleanOriginalName('\u00c3\u00a9\u01c3\u01a9.txt'), '\u00c3\u00a9\u01c3\u01a9.txt')
  assert.equal(cleanOriginalName('\u00c3\u00a9'), '\u00e9', 'latin1-read UTF-8 alone is recovered')
  // long names are cut (bytes, whole characters) keeping a short extension
  const long = 'é'.repeat(100) + '.pdf'
  const cut = cleanOriginalName(long)
  assert.ok(Buffer.byteLength(cut) <= 120 && Buffer.byteLength(cut) >= 118, String(Buffer.byteLength(cut)))
  assert.ok(cut.endsWith('.pdf') && cut.startsWith('é'))
  const noExt = cleanOriginalName('b'.repeat(200))
  assert.equal(noExt, 'b'.repeat(120))
  const longExt = cleanOriginalName('c'.repeat(150) + '.' + 'e'.repeat(11))
  assert.equal(longExt.length, 120, 'an extension over 10 characters is not kept apart')
  assert.equal(longExt, 'c'.repeat(120))
  const tenExt = cleanOriginalName('c'.repeat(150) + '.' + 'e'.repeat(10))
  assert.ok(tenExt.endsWith('.' + 'e'.repeat(10)) && tenExt.length === 120)
  assert.equal(cleanOriginalName('x'.repeat(120)), 'x'.repeat(120), '120 bytes are kept whole')
})

test('makeStoredName: table.field.<16 hex>.<base64url of the clean name>.<lowercase extension or txt>', () => {
  const n = makeStoredName('thing', 'doc', '../Report.PDF')
  const m = /^thing\.doc\.([0-9a-f]{16})\.([A-Za-z0-9_-]+)\.pdf$/.exec(n)
  assert.ok(m, n)
  assert.equal(Buffer.from(m![2]!, 'base64url').toString('utf8'), 'Report.PDF')
  assert.match(makeStoredName('t', 'f', 'noext'), /\.txt$/)
  assert.match(makeStoredName('t', 'f', 'x.tar-gz'), /\.txt$/)
  assert.match(makeStoredName('t', 'f', 'x.abcdefghijk'), /\.txt$/, 'an 11-character extension is no extension')
  assert.match(makeStoredName('t', 'f', 'x.abcdefghij'), /\.abcdefghij$/)
  assert.match(makeStoredName('t', 'f', 'x.gz.'), /\.txt$/)
  assert.notEqual(makeStoredName('t', 'f', 'a'), makeStoredName('t', 'f', 'a'))
  assert.deepEqual(parseStoredName(n).original, 'Report.PDF')
})

test('storedPath: inside the folder, with uploadseparate under table.field/<2 hex>/', () => {
  const n = `thing.doc.${NAME16}.YQ.txt`
  assert.equal(storedPath(base, n), path.join(path.resolve(base), n))
  assert.equal(storedPath(base, n, true), path.join(path.resolve(base), 'thing.doc', '01', n))
  assert.throws(() => storedPath(base, '../x'), (e: Error & { code?: string }) => e.code === 'QK_FORMS_BAD_UPLOAD_NAME')
})

test('uploadsFolder: the given folder, else the request app\'s uploads/, else an error', () => {
  assert.equal(uploadsFolder('/x/y'), '/x/y')
  assert.equal(runInContext(newState('/apps/shop', 'shop'), () => uploadsFolder()), path.join('/apps/shop', 'uploads'))
  assert.throws(() => uploadsFolder(), (e: Error & { code?: string }) => e.code === 'QK_FORMS_NO_UPLOAD_FOLDER')
})

test('storeUpload: buffers and temp files stored under generated names; too large refused and the temp file removed', async () => {
  const folder = path.join(base, 'store')
  const a = await storeUpload({ filename: '../../a.txt', data: Buffer.from('AAA') }, { table: 't', field: 'f', folder })
  assert.equal(fs.readFileSync(path.join(folder, a), 'utf8'), 'AAA')
  const tmpFile = path.join(base, 'incoming.tmp')
  fs.writeFileSync(tmpFile, 'BBBB')
  const b = await storeUpload({ filename: 'b.bin', path: tmpFile }, { table: 't', field: 'f', folder, uploadseparate: true, maxSize: 4 })
  const p = parseStoredName(b)
  assert.equal(fs.readFileSync(path.join(folder, 't.f', p.random.slice(0, 2), b), 'utf8'), 'BBBB')
  assert.ok(!fs.existsSync(tmpFile), 'the temp file was moved')
  fs.writeFileSync(tmpFile, 'CCCCC')
  await assert.rejects(storeUpload({ filename: 'c.bin', path: tmpFile }, { table: 't', field: 'f', folder, maxSize: 4 }),
    (e: Error & { code?: string }) => e.code === 'QK_FORMS_UPLOAD_TOO_LARGE' && e.message.includes('4'))
  assert.ok(!fs.existsSync(tmpFile), 'a refused temp file is removed')
  await assert.rejects(storeUpload({ filename: 'd.bin', data: Buffer.from('DDDDD') }, { table: 't', field: 'f', folder, maxSize: 4 }),
    (e: Error & { code?: string }) => e.code === 'QK_FORMS_UPLOAD_TOO_LARGE')
  const e2 = await storeUpload({ filename: 'e.bin', data: Buffer.from('E'), size: 99 }, { table: 't', field: 'f', folder, maxSize: 4 })
  assert.ok(fs.existsSync(path.join(folder, e2)), 'a buffer is measured by its bytes, not a declared size')
  const f2 = await storeUpload({ filename: 'f.bin', path: (fs.writeFileSync(tmpFile, 'F'), tmpFile), size: 1 }, { table: 't', field: 'f', folder, maxSize: 1 })
  assert.ok(fs.existsSync(path.join(folder, f2)))
  fs.writeFileSync(tmpFile, 'GGGGGGGG')
  await assert.rejects(storeUpload({ filename: 'g.bin', path: tmpFile }, { table: 't', field: 'f', folder, maxSize: 7 }), (e: Error & { code?: string }) => e.code === 'QK_FORMS_UPLOAD_TOO_LARGE', 'a temp file without a size is measured on disk')
  // a missing temp file is an error, not an empty upload
  await assert.rejects(storeUpload({ filename: 'h.bin', path: path.join(base, 'gone.tmp'), size: 1 }, { table: 't', field: 'f', folder }))
  // removeUpload: stored names only
  await removeUpload(a, { folder })
  assert.ok(!fs.existsSync(path.join(folder, a)))
  await removeUpload(b, { folder, uploadseparate: true })
  assert.ok(!fs.existsSync(path.join(folder, 't.f', p.random.slice(0, 2), b)))
  const outside = path.join(base, 'keep.txt')
  fs.writeFileSync(outside, 'keep')
  await removeUpload('../keep.txt', { folder })
  await removeUpload(`t.f.${NAME16}.YQ.txt`, { folder }) // a stored name whose file is already gone: no error
  await removeUpload(42, { folder })
  assert.ok(fs.existsSync(outside))
})

test('isIncomingFile / isEmptyFile: a name plus a path or bytes; empty means no name and no bytes', () => {
  assert.ok(isIncomingFile({ filename: 'a', path: '/tmp/x' }))
  assert.ok(isIncomingFile({ filename: '', data: Buffer.alloc(0) }))
  assert.ok(!isIncomingFile(Object.assign(() => 1, { filename: 'a', path: '/x' })), 'a function is no file')
  for (const v of [null, undefined, 'a', {}, { filename: 1, path: 'x' }, { filename: 'a' }, { filename: 'a', data: 'str' }, { filename: 'a', path: 3 }])
    assert.ok(!isIncomingFile(v), JSON.stringify(v))
  assert.ok(isEmptyFile({ filename: '', data: Buffer.alloc(0) }))
  assert.ok(isEmptyFile({ filename: '', path: '/x', size: 0 }))
  assert.ok(isEmptyFile({ filename: '', path: '/x' }))
  assert.ok(!isEmptyFile({ filename: '', path: '/x', size: 3 }))
  assert.ok(!isEmptyFile({ filename: '', data: Buffer.from('x') }))
  assert.ok(!isEmptyFile({ filename: 'a', data: Buffer.alloc(0) }))
  assert.ok(!isEmptyFile('x'))
})

test('contentDisposition: an ASCII fallback without quotes, backslashes or semicolons, and the UTF-8 name', () => {
  assert.equal(contentDisposition('a"b\\c;d é.txt'), `attachment; filename="a_b_c_d _.txt"; filename*=UTF-8''a%22b%5Cc%3Bd%20%C3%A9.txt`)
  assert.equal(contentDisposition('x.png', true), `inline; filename="x.png"; filename*=UTF-8''x.png`)
  assert.equal(contentDisposition('\x1f~'), `attachment; filename="_~"; filename*=UTF-8''%1F~`)
})

test('download: bad names 400, unknown fields and missing files 404, served files get nosniff and their name', () => {
  const folder = path.join(base, 'dl')
  fs.mkdirSync(folder, { recursive: true })
  const name = `thing.doc.${NAME16}.${Buffer.from('r é.pdf').toString('base64url')}.pdf`
  fs.writeFileSync(path.join(folder, name), 'PDF')
  fs.mkdirSync(path.join(folder, `thing.doc.${'f'.repeat(16)}.YQ.txt`))
  const status = (fn: () => unknown) => { try { fn(); return 200 } catch (e) { return (e as { status?: number }).status } }
  const body = (fn: () => unknown) => { try { fn(); return '' } catch (e) { return (e as { body?: unknown }).body } }
  const response = { headers: {} as Record<string, string> }
  const inReq = <R>(fn: () => R) => runInContext(newState(base, 'app', { response }), fn)
  assert.equal(inReq(() => status(() => download({ args: ['../../etc/passwd'] }, undefined, { folder }))), 400)
  assert.equal(inReq(() => status(() => download({ args: [] }, undefined, { folder }))), 400)
  assert.equal(inReq(() => status(() => download({ args: [`thing.doc.${'e'.repeat(16)}.YQ.txt`] }, undefined, { folder }))), 404)
  assert.equal(inReq(() => status(() => download({ args: [`thing.doc.${'f'.repeat(16)}.YQ.txt`] }, undefined, { folder }))), 404, 'a folder is not served')
  const db = { tables: ['thing'], thing: { _fieldMap: new Map([['doc', { type: 'upload', uploadfolder: folder }], ['name', { type: 'string' }]]) } }
  assert.equal(inReq(() => status(() => download({ args: [name.replace('thing.doc', 'thing.name')] }, db))), 404, 'not an upload field')
  assert.equal(inReq(() => status(() => download({ args: [name.replace('thing.doc', 'other.doc')] }, db))), 404, 'not a table of the db')
  // a name of a non-upload field of the db is refused even when such a file exists in the folder given
  const asName = name.replace('thing.doc', 'thing.name')
  fs.writeFileSync(path.join(folder, asName), 'not an upload')
  assert.equal(inReq(() => status(() => download({ args: [asName] }, db, { folder }))), 404)
  assert.equal(inReq(() => body(() => download({ args: [asName] }, db, { folder }))), 'No such upload field')
  assert.equal(inReq(() => body(() => download({ args: ['../x'] }, db))), 'Invalid upload name', 'a bad name with a db: 400 too')
  assert.equal(inReq(() => status(() => download({ args: ['../x'] }, db))), 400)
  assert.equal(inReq(() => body(() => download({ args: ['../x'] }, undefined, { folder }))), 'Invalid upload name')
  assert.equal(inReq(() => body(() => download({ args: [`thing.doc.${'e'.repeat(16)}.YQ.txt`] }, undefined, { folder }))), 'Not found')
  assert.equal(inReq(() => body(() => download({ args: [`thing.doc.${'f'.repeat(16)}.YQ.txt`] }, undefined, { folder }))), 'Not found')
  assert.equal(inReq(() => status(() => download({ args: [name] }, {}))), 404, 'a db without tables')
  assert.equal(inReq(() => status(() => download({ args: [name] }, { tables: ['thing'], thing: {} }))), 404, 'a table without fields')
  // outside a request there are no headers to set, and the file is still served
  assert.ok(download({ args: [name] }, undefined, { folder }))
  const served = inReq(() => download({ args: ['x', name] }, db))
  assert.ok(served)
  assert.equal(response.headers['X-Content-Type-Options'], 'nosniff')
  assert.equal(response.headers['Content-Length'], '3')
  assert.equal(response.headers['Content-Disposition'], contentDisposition('r é.pdf'))
  inReq(() => download({ args: [name] }, undefined, { folder, inline: true }))
  assert.match(response.headers['Content-Disposition']!, /^inline;/)
})

test('storeUpload across filesystems (temp file on another device): copied, then the temp file removed', { skip: fs.statSync('/dev/shm', { throwIfNoEntry: false })?.dev === fs.statSync(os.tmpdir()).dev || !fs.existsSync('/dev/shm') }, async () => {
  const tmp = fs.mkdtempSync('/dev/shm/quark-forms-guard-')
  try {
    const incoming = path.join(tmp, 'up.tmp')
    fs.writeFileSync(incoming, 'XDEV')
    const folder = path.join(base, 'xdev')
    const n = await storeUpload({ filename: 'x.bin', path: incoming }, { table: 't', field: 'f', folder })
    assert.equal(fs.readFileSync(path.join(folder, n), 'utf8'), 'XDEV')
    assert.ok(!fs.existsSync(incoming), 'the temp file is removed after the copy')
  } finally { fs.rmSync(tmp, { recursive: true, force: true }) }
})

test('an unprocessed FORM renders as html\'s FORM: no hidden _formname or _formkey', () => {
  const html = String(FORM(INPUT({ _name: 'x' })))
  assert.doesNotMatch(html, /_formname|_formkey/)
  assert.match(html, /<input name="x"/)
})
