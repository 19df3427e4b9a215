// The translation editor's library (server/i18n/languages.ts) and web2py's
// message syntax: choices, case forms, ## comments, custom plural rules,
// unused strings kept and marked, broken files never rewritten.
import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { isQuarkError } from '../../server/errors/index'
import {
  Translator, addLanguage, compilePluralRule, dropUnused, languageDetail, languagesReport, parseWeb2pyLanguage, setPluralForms, setTranslation, updateLanguages,
} from '../../server/i18n/index'

let app: string
const file = (rel: string, text: string) => { fs.mkdirSync(path.dirname(path.join(app, rel)), { recursive: true }); fs.writeFileSync(path.join(app, rel), text) }
const readJson = (rel: string) => JSON.parse(fs.readFileSync(path.join(app, rel), 'utf8'))
const code = (c: string) => (e: unknown) => isQuarkError(e) && e.code === c

before(() => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-languages-'))
  file('controllers/default.ts', "export function index() { return { a: T('Hello'), b: T('%s %%{book}', [2]), c: T.M('**bold**') } }\n")
  file('views/default/index.html', "{{=T(\"Welcome ## page title\")}} {{=T('You have %(n)s %%{?one message?messages?no message(n)}', { n: 1 })}}\n")
  file('modules/util.ts', "export const label = (T: (s: string) => string) => T('From a module')\n")
  file('languages/it.json', JSON.stringify({ Hello: 'Ciao', 'Old string': 'Vecchia' }))
})
after(() => fs.rmSync(app, { recursive: true, force: true }))

test('web2py message syntax: choices, case forms, ## comments, symbols', () => {
  file('languages/de.json', JSON.stringify({ 'Welcome ## page title': 'Willkommen ## Seitentitel', '%%{!!book} of %(name)s': '%%{!!buch} von %(name)s' }))
  const tr = new Translator(app)
  tr.files.checkIntervalMs = 0
  const choice = 'You have %(n)s %%{?one message?messages?no message(n)}'
  assert.equal(tr.translate('', choice, { n: 1 }), 'You have 1 one message')
  assert.equal(tr.translate('', choice, { n: 0 }), 'You have 0 no message')
  assert.equal(tr.translate('', choice, { n: 7 }), 'You have 7 messages')
  assert.equal(tr.translate('', '%%{?one?many[0]}', [0]), 'many', 'without a zero text, 0 takes "many"')
  assert.equal(tr.translate('', '%%{!?apple?apples}', 1), 'Apple', 'a choice takes the case forms too')
  assert.equal(tr.translate('', 'Welcome ## page title'), 'Welcome', 'the comment is never shown untranslated')
  assert.equal(tr.translate('de', 'Welcome ## page title'), 'Willkommen', 'nor in a translation')
  assert.equal(tr.translate('', '%%{!!!book(n)} %s', 3), 'BOOKS 3')
  assert.equal(tr.translate('de', '%%{!!book} of %(name)s', { name: 'Ann' }), 'Buch von Ann')
  assert.equal(tr.translate('', 'Hi %s and %s', ['a', 'b']), 'Hi a and b')
})

test('a plural rule added with a language decides the forms', () => {
  assert.throws(() => compilePluralRule(2, 'process.exit(1)'), code('QK_I18N_BAD_PLURAL_RULE'))
  assert.throws(() => compilePluralRule(2, 'n % 3'), code('QK_I18N_BAD_PLURAL_RULE'), 'gives 2 for n = 2: out of range')
  assert.throws(() => compilePluralRule(0, '0'), code('QK_I18N_BAD_PLURAL_RULE'))
  assert.throws(() => compilePluralRule(2, 'n ==== 1'), code('QK_I18N_BAD_PLURAL_RULE'))
  assert.throws(() => addLanguage(app, 'xx', { nplurals: 2, rule: 'constructor' }), code('QK_I18N_BAD_PLURAL_RULE'))
  assert.equal(fs.existsSync(path.join(app, 'languages', 'xx.json')), false, 'a refused rule adds nothing')
  assert.throws(() => addLanguage(app, '../evil'), code('QK_I18N_BAD_LANGUAGE'))
  // Slovenian-like: 1 / 2 / 3-4 / the rest, four forms
  const r = addLanguage(app, 'sl', { nplurals: 4, rule: 'n%100==1 ? 0 : n%100==2 ? 1 : n%100==3 || n%100==4 ? 2 : 3' })
  assert.deepEqual(r, { lang: 'sl', created: true })
  assert.equal(readJson('languages/sl.json').Hello, 'Hello', 'the new file holds every string in use')
  setTranslation(app, 'sl', '%s %%{book}', '%s %%{knjiga}')
  setPluralForms(app, 'sl', 'knjiga', ['knjigi', 'knjige', 'knjig'])
  const tr = new Translator(app)
  tr.files.checkIntervalMs = 0
  assert.deepEqual([1, 2, 3, 5, 101].map((n) => tr.translate('sl', '%s %%{book}', [n])), ['1 knjiga', '2 knjigi', '3 knjige', '5 knjig', '101 knjiga'])
  const detail = languageDetail(app, 'sl')
  assert.equal(detail.nplurals, 4)
  assert.deepEqual(detail.plurals.find((p) => p.word === 'knjiga')?.forms, ['knjigi', 'knjige', 'knjig'])
  assert.ok(detail.plurals.some((p) => p.word === 'book'), 'the words of the sources are listed too')
})

test('update keeps translations, adds new strings and marks unused ones', () => {
  const r = updateLanguages(app)
  assert.ok(r.strings >= 5)
  assert.equal(r.added.it, r.strings - 1, 'every string but Hello was added to it')
  assert.equal(r.unused.it, 1)
  const it = readJson('languages/it.json')
  assert.equal(it.Hello, 'Ciao')
  assert.equal(it['Old string'], 'Vecchia', 'an unused string keeps its translation')
  assert.equal(it['From a module'], 'From a module')
  assert.equal(it['**bold**'], '**bold**', 'T.M strings are collected')
  const detail = languageDetail(app, 'it')
  assert.deepEqual(detail.entries.filter((e) => e.unused).map((e) => e.source), ['Old string'])
  assert.deepEqual(detail.entries.filter((e) => e.translated).map((e) => e.source).sort(), ['Hello', 'Old string'])
  const summary = languagesReport(app).languages.find((l) => l.lang === 'it')!
  assert.equal(summary.progress, Math.round(100 / r.strings))
  assert.equal(dropUnused(app, 'it'), 1)
  assert.equal('Old string' in readJson('languages/it.json'), false)
})

test('a broken language file is reported, skipped by update and never rewritten', () => {
  const broken = '{ "Hello": "Hallo", oops }'
  file('languages/nl.json', broken)
  const r = updateLanguages(app)
  assert.match(r.skipped.nl ?? '', /nl\.json/)
  assert.equal(fs.readFileSync(path.join(app, 'languages', 'nl.json'), 'utf8'), broken)
  const detail = languageDetail(app, 'nl')
  assert.ok(detail.problem)
  assert.equal(detail.raw, broken, 'its text is shown to be fixed by hand')
  assert.throws(() => setTranslation(app, 'nl', 'Hello', 'Hoi'), code('QK_I18N_BAD_LANGUAGE_FILE'))
  assert.equal(fs.readFileSync(path.join(app, 'languages', 'nl.json'), 'utf8'), broken)
  assert.ok(languagesReport(app).languages.find((l) => l.lang === 'nl')?.problem)
  assert.throws(() => languageDetail(app, 'zz'), code('QK_I18N_NO_LANGUAGE'))
  assert.throws(() => setPluralForms(app, 'it', 'a{b', ['x']), code('QK_I18N_BAD_ENTRY'))
  assert.throws(() => setPluralForms(app, 'it', 'libro', 'libri'), code('QK_I18N_BAD_ENTRY'))
  assert.throws(() => setTranslation(app, 'it', 42, 'x'), code('QK_I18N_BAD_ENTRY'))
})

test('a web2py language file is imported on update; one with a syntax error is reported and kept', () => {
  file('languages/es.py', "# -*- coding: utf-8 -*-\n{\n'Hello': 'Hola',\n\"From a module\": u'Desde un m\\xf3dulo',\n'%s %%{book}': '%s %%{libro}' # plural\n  'x',\n'Old': '*** Old',\n}\n")
  const r = updateLanguages(app)
  assert.equal(r.imported.es, 3)
  const es = readJson('languages/es.json')
  assert.equal(es.Hello, 'Hola')
  assert.equal(es['From a module'], 'Desde un módulo')
  assert.equal(es['%s %%{book}'], '%s %%{libro}x', 'adjacent strings are joined')
  assert.equal(es.Old, 'Old', 'web2py\'s "*** " untranslated marker is not a translation')
  const broken = "{\n  'Hello': 'Hallo'\n  'Bye': 'Tschüss',\n}\n"
  file('languages/de.py', broken)
  const r2 = updateLanguages(app)
  assert.match(r2.skipped.de ?? '', /de\.py.*line 3, column 8: expected ':' after a key|line 3, column 8/)
  assert.equal(fs.readFileSync(path.join(app, 'languages', 'de.py'), 'utf8'), broken)
  assert.throws(() => parseWeb2pyLanguage("{'a': b}"), code('QK_I18N_BAD_LANGUAGE_FILE'))
  assert.throws(() => parseWeb2pyLanguage("{'a': 'b'} extra"), code('QK_I18N_BAD_LANGUAGE_FILE'))
  assert.deepEqual(parseWeb2pyLanguage("{r'a\\n': 'b\\n', 'q\\'': \"\"\"multi\nline\"\"\"}"), { 'a\\n': 'b\n', "q'": 'multi\nline' })
})
