// T(): language files on disk, Accept-Language choice, lazy rendering,
// symbols, plural forms, forced languages, reload on change, string collection.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isQuarkError } from '../../server/errors/index'
import { newState, runInContext } from '../../server/current/index'
import { IS_NOT_EMPTY } from '../../server/validators/index'
import { Translator, collectStrings, findStrings, parseAcceptLanguage, pluralRuleFor, translatorFor, LazyT } from '../../server/i18n/index'

let app: string
const write = (name: string, data: unknown) => fs.writeFileSync(path.join(app, 'languages', name), typeof data === 'string' ? data : JSON.stringify(data))

before(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-i18n-'))
  fs.mkdirSync(path.join(app, 'languages'))
  write('it.json', { 'Hello World': 'Ciao Mondo', 'Hello %s': 'Ciao %s', 'Hi %(name)s': 'Salve %(name)s', '%s %%{book}': '%s %%{libro}', '<b>bold</b>': '<b>grassetto</b>', 'Enter a value': 'Inserisci un valore', 'Empty': '' })
  write('plural-it.json', { libro: ['libri'] })
  write('fr.json', { 'Hello World': 'Bonjour le monde', '%s %%{book}': '%s %%{livre}' })
  write('plural-fr.json', { livre: ['livres'] })
  write('ru.json', { '%s %%{book}': '%s %%{книга}' })
  write('plural-ru.json', { 'книга': ['книги', 'книг'] })
  write('pt-br.json', { 'Hello World': 'Olá Mundo' })
  write('de.json', { 'Hello World': 'Hallo Welt' })
})
after(() => fs.rmSync(app, { recursive: true, force: true }))

test('Accept-Language: q-values, order, wildcards, q=0', () => {
  assert.deepEqual(parseAcceptLanguage('fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5'), ['fr-ch', 'fr', 'en', 'de', '*'])
  assert.deepEqual(parseAcceptLanguage('de;q=0.2, it'), ['it', 'de'])
  assert.deepEqual(parseAcceptLanguage('it;q=0, de'), ['de'])
  assert.deepEqual(parseAcceptLanguage('garbage!!, es'), ['es'])
  assert.deepEqual(parseAcceptLanguage(''), [])
  assert.deepEqual(parseAcceptLanguage(undefined), [])
})

test('the best available language is picked', () => {
  const tr = new Translator(app)
  assert.equal(tr.pickLanguage('it-IT,it;q=0.9'), 'it')
  assert.equal(tr.pickLanguage('es, de;q=0.5, it;q=0.4'), 'de')
  assert.equal(tr.pickLanguage('pt-BR'), 'pt-br')
  assert.equal(tr.pickLanguage('en-US, it;q=0.9'), '', 'the source language wins when preferred')
  assert.equal(tr.pickLanguage('es'), '')
  assert.equal(tr.pickLanguage(''), '')
  assert.deepEqual(tr.files.languages(), ['de', 'fr', 'it', 'pt-br', 'ru'])
})

test('T is lazy: it translates when rendered, in the language of that moment', () => {
  const T = new Translator(app).forRequest('it')
  const msg = T('Hello World')
  assert.ok(msg instanceof LazyT)
  assert.equal(String(msg), 'Ciao Mondo')
  assert.equal(`${msg}!`, 'Ciao Mondo!')
  assert.equal(JSON.stringify({ msg }), '{"msg":"Ciao Mondo"}')
  T.force('fr')
  assert.equal(String(msg), 'Bonjour le monde', 'the same object renders in the forced language')
  assert.equal(T.language, 'fr')
  T.force(null)
  assert.equal(String(msg), 'Ciao Mondo')
  T.force('en')
  assert.equal(String(msg), 'Hello World')
  assert.equal(T.language, 'en')
  assert.equal(String(T('Not in the file')), 'Not in the file')
  assert.equal(String(T('Empty')), 'Empty', 'an empty translation shows the source')
  assert.equal(T.translate('Hello World'), 'Hello World')
  assert.throws(() => T.force('../etc/passwd'), (e: unknown) => isQuarkError(e) && e.code === 'QK_I18N_BAD_LANGUAGE')
})

test('symbols: %s and %(name)s, and xml() escapes', () => {
  const T = new Translator(app).forRequest('it')
  assert.equal(String(T('Hello %s', ['Ann'])), 'Ciao Ann')
  assert.equal(String(T('Hello %s', 'Bob')), 'Ciao Bob')
  assert.equal(String(T('Hi %(name)s', { name: 'Carl' })), 'Salve Carl')
  assert.equal(String(T('Bye %s', ['Dan'])), 'Bye Dan')
  assert.equal(T('<b>bold</b>').xml(), '&lt;b&gt;grassetto&lt;/b&gt;')
  assert.equal(T('Hello %s', ['<script>']).xml(), 'Ciao &lt;script&gt;')
})

test('T.M renders a MARKMIN translation as HTML', () => {
  const T = new Translator(app).forRequest('it')
  const m = T.M('**Hello World** <x>')
  assert.equal(String(m), '**Hello World** <x>')
  const html = m.xml()
  assert.match(html, /<(b|strong)>Hello World<\/(b|strong)>/)
  assert.ok(!html.includes('<x>'), 'raw HTML in the text is escaped: ' + html)
})

test('plural forms: %%{word} chooses the form for the number', () => {
  const tr = new Translator(app)
  const en = tr.forRequest('en')
  assert.equal(String(en('%s %%{book}', [1])), '1 book')
  assert.equal(String(en('%s %%{book}', [2])), '2 books')
  assert.equal(String(en('%s %%{book}', 0)), '0 books')
  assert.equal(String(en('%s %%{box}', [3])), '3 boxes')
  assert.equal(String(en('%s %%{city}', [3])), '3 cities')
  assert.equal(String(en('%%{!book[1]} %s', ['x', 5])), 'Books x')
  assert.equal(String(en('%(n)s %%{book(n)}', { n: 1 })), '1 book')
  assert.equal(String(en('%%{!!!book}')), 'BOOK')
  const it = tr.forRequest('it')
  assert.equal(String(it('%s %%{book}', [1])), '1 libro')
  assert.equal(String(it('%s %%{book}', [4])), '4 libri')
  const fr = tr.forRequest('fr')
  assert.equal(String(fr('%s %%{book}', [0])), '0 livre', 'French: 0 is singular')
  assert.equal(String(fr('%s %%{book}', [2])), '2 livres')
  const ru = tr.forRequest('ru')
  assert.deepEqual([1, 2, 5, 11, 21, 22, 25, 112].map((n) => String(ru('%s %%{book}', [n]))),
    ['1 книга', '2 книги', '5 книг', '11 книг', '21 книга', '22 книги', '25 книг', '112 книг'])
})

test('plural rules for the required languages', () => {
  const ids = (lang: string) => [0, 1, 2, 3, 5, 11, 21, 22, 25, 102].map((n) => pluralRuleFor(lang).pluralId(n))
  assert.deepEqual(ids('en'), [1, 0, 1, 1, 1, 1, 1, 1, 1, 1])
  for (const l of ['de', 'es', 'it', 'pt']) assert.deepEqual(ids(l), ids('en'), l)
  assert.deepEqual(ids('fr'), [0, 0, 1, 1, 1, 1, 1, 1, 1, 1])
  assert.deepEqual(ids('ru'), [2, 0, 1, 1, 2, 2, 0, 1, 2, 1])
  assert.deepEqual(ids('pl'), [2, 0, 1, 1, 2, 2, 2, 1, 2, 1])
  assert.deepEqual(ids('ja'), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
  assert.deepEqual(ids('zh'), ids('ja'))
  assert.equal(pluralRuleFor('ru-RU').nplurals, 3)
  assert.equal(pluralRuleFor('xx').nplurals, 2)
})

test('a changed language file is reloaded (throttled), a broken one shows the source text and its problem', async () => {
  const tr = new Translator(app)
  tr.files.checkIntervalMs = 400
  const T = tr.forRequest('de')
  assert.equal(String(T('Hello World')), 'Hallo Welt')
  write('de.json', { 'Hello World': 'Servus Welt' })
  const future = new Date(Date.now() + 5000)
  fs.utimesSync(path.join(app, 'languages', 'de.json'), future, future)
  assert.equal(String(T('Hello World')), 'Hallo Welt', 'not re-read inside the throttle window')
  await new Promise((r) => setTimeout(r, 450))
  assert.equal(String(T('Hello World')), 'Servus Welt')
  write('de.json', '{ not json')
  fs.utimesSync(path.join(app, 'languages', 'de.json'), new Date(Date.now() + 9000), new Date(Date.now() + 9000))
  await new Promise((r) => setTimeout(r, 450))
  // a broken file never breaks the app: the source text shows, and the editor learns why
  assert.equal(String(T('Hello World')), 'Hello World')
  assert.match(tr.files.problem('de') ?? '', /de\.json/)
  write('de.json', { 'Hello World': 'Hallo Welt' })
  fs.utimesSync(path.join(app, 'languages', 'de.json'), new Date(Date.now() + 12000), new Date(Date.now() + 12000))
  await new Promise((r) => setTimeout(r, 450))
  assert.equal(String(T('Hello World')), 'Hallo Welt')
})

test('translatorFor caches one Translator per app', () => {
  assert.equal(translatorFor(app), translatorFor(app + '/'))
  assert.notEqual(translatorFor(app), translatorFor(path.join(app, 'other')))
})

test('validators translate their messages through the request T', () => {
  const T = translatorFor(app).forRequest('it')
  runInContext(newState(app, 'x', { T: T.translate }), () => {
    assert.deepEqual(IS_NOT_EMPTY().validate(''), ['', 'Inserisci un valore'])
  })
  runInContext(newState(app, 'x', { T: T as unknown as (s: string) => string }), () => {
    assert.deepEqual(IS_NOT_EMPTY().validate(''), ['', 'Inserisci un valore'], 'the lazy T works too')
  })
})

test('collectStrings finds T() literals and adds missing keys atomically', () => {
  assert.deepEqual(findStrings(`T('a') + T("b \\"q\\"") + T(\`c\`, [1]) + myT('no') + T(x) + T.M('**m**') + T('a')`), ['a', 'b "q"', 'c', '**m**'])
  assert.deepEqual(findStrings('{{=T("In a view")}} {{=T(`tpl ${x}`)}}'), ['In a view'])
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-i18n-collect-'))
  try {
    for (const d of ['models', 'controllers/sub', 'views/default', 'languages']) fs.mkdirSync(path.join(dir, d), { recursive: true })
    fs.writeFileSync(path.join(dir, 'models', 'db.ts'), "export const title = T('My App')\n")
    fs.writeFileSync(path.join(dir, 'controllers', 'sub', 'x.ts'), "export function index() { return { m: T('Hello %s', [1]), n: T('My App') } }\n")
    fs.writeFileSync(path.join(dir, 'views', 'default', 'index.html'), '<h1>{{=T("Welcome")}}</h1>')
    fs.writeFileSync(path.join(dir, 'languages', 'it.json'), JSON.stringify({ Welcome: 'Benvenuto' }))
    const r = collectStrings(dir, { languages: ['es'] })
    assert.deepEqual(r.strings, ['Hello %s', 'My App', 'Welcome'])
    assert.deepEqual(r.added, { es: 3, it: 2 })
    const it = JSON.parse(fs.readFileSync(path.join(dir, 'languages', 'it.json'), 'utf8'))
    assert.deepEqual(it, { 'Hello %s': 'Hello %s', 'My App': 'My App', Welcome: 'Benvenuto' })
    assert.deepEqual(collectStrings(dir).added, { es: 0, it: 0 }, 'idempotent')
    assert.deepEqual(fs.readdirSync(path.join(dir, 'languages')).sort(), ['es.json', 'it.json'], 'no temp files left')
    assert.throws(() => collectStrings(dir, { languages: ['../x'] }), (e: unknown) => isQuarkError(e) && e.code === 'QK_I18N_BAD_LANGUAGE')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
})
