/**
 * Issue 16, helpers: INPUT defaults to type="text", OPTION's value defaults
 * to its text, THEAD/TFOOT make TH cells, truncateString, and CODE
 * highlighted on the server by highlight.js (escaped; unknown language →
 * plain escaped code), with its stylesheet served under /_quark/.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { CODE, INPUT, OPTION, SELECT, TABLE, TBODY, TFOOT, THEAD, TR, TD, TH, truncateString, truncate_string, helperNames, HIGHLIGHT_THEME } from '../../server/html/index'
import { assetTable } from '../../server/http/index'

test('INPUT without a type is type="text"; a given type is kept', () => {
  assert.equal(INPUT().xml(), '<input type="text" />')
  assert.equal(INPUT({ _name: 'q', value: 'a"b' }).xml(), '<input name="q" type="text" value="a&quot;b" />')
  assert.equal(INPUT({ _type: 'hidden', _name: 'h' }).xml(), '<input name="h" type="hidden" />')
  assert.equal(INPUT({ _type: 'text' }).get('_type'), 'text')
})

test('OPTION without a value gets its text as value', () => {
  assert.equal(OPTION('Red & <blue>').xml(), '<option value="Red &amp; &lt;blue&gt;">Red &amp; &lt;blue&gt;</option>')
  assert.equal(OPTION('Shown', { _value: 'k' }).xml(), '<option value="k">Shown</option>')
  assert.equal(OPTION().xml(), '<option value=""></option>')
  assert.equal(OPTION('', { _value: '' }).xml(), '<option value=""></option>')
  assert.equal(SELECT(OPTION('a'), OPTION('b'), { value: 'b' }).xml(), '<select><option value="a">a</option><option selected="selected" value="b">b</option></select>')
})

test('THEAD and TFOOT wrap plain cells in TH; TBODY and TABLE in TD; a TR given keeps its cells', () => {
  assert.equal(THEAD('a').xml(), '<thead><tr><th>a</th></tr></thead>')
  assert.equal(THEAD(['a', 'b']).xml(), '<thead><tr><th>a</th><th>b</th></tr></thead>')
  assert.equal(THEAD([['a'], ['b']]).xml(), '<thead><tr><th>a</th></tr><tr><th>b</th></tr></thead>')
  assert.equal(TFOOT(['total', 3]).xml(), '<tfoot><tr><th>total</th><th>3</th></tr></tfoot>')
  assert.equal(THEAD(TR('td kept')).xml(), '<thead><tr><td>td kept</td></tr></thead>')
  assert.equal(THEAD([TD('d'), 'h']).xml(), '<thead><tr><td>d</td><th>h</th></tr></thead>')
  assert.equal(TBODY(['a']).xml(), '<tbody><tr><td>a</td></tr></tbody>')
  assert.equal(TABLE(THEAD(['h1', 'h2']), TBODY(['a', 'b'])).xml(),
    '<table><thead><tr><th>h1</th><th>h2</th></tr></thead><tbody><tr><td>a</td><td>b</td></tr></tbody></table>')
  assert.ok(THEAD(['x']).element('th') !== undefined)
  assert.equal(THEAD(TH('x')).xml(), '<thead><tr><th>x</th></tr></thead>')
})

test('truncateString (web2py truncate_string): cut with dots, whole characters', () => {
  assert.equal(truncateString('hello world', 8), 'hello...')
  assert.equal(truncateString('hello', 5), 'hello')
  assert.equal(truncateString('hello', 8), 'hello')
  assert.equal(truncateString('abcdef', 4, '…'), 'abc…')
  assert.equal(truncateString('😀😀😀😀😀', 4), '😀...', 'an emoji is never split')
  assert.equal(truncateString('abc', 2), '..')
  assert.equal(truncateString(null, 3), '')
  assert.equal(truncate_string, truncateString)
  assert.equal(helperNames().truncateString, truncateString)
})

test('CODE without a language is inline <code>, escaped', () => {
  assert.equal(CODE('a < b').xml(), '<code>a &lt; b</code>')
})

test('CODE with a language is highlighted on the server, escaped', () => {
  assert.equal(CODE('x = "<b>"  # hi', { language: 'python' }).xml(),
    '<pre><code class="hljs language-python">x = <span class="hljs-string">&quot;&lt;b&gt;&quot;</span>  <span class="hljs-comment"># hi</span></code></pre>')
  assert.equal(CODE('let a = 1', { language: 'ts' }).xml(),
    '<pre><code class="hljs language-typescript"><span class="hljs-keyword">let</span> a = <span class="hljs-number">1</span></code></pre>')
  assert.equal(CODE('</code></pre><script>alert(1)</script>', { language: 'javascript' }).xml().includes('<script>'), false)
  assert.equal(CODE('SELECT 1', { language: 'sql', _class: 'big', _id: 'q' }).xml(),
    '<pre><code class="hljs language-sql big" id="q"><span class="hljs-keyword">SELECT</span> <span class="hljs-number">1</span></code></pre>')
})

test('CODE with an unknown language falls back to escaped plain code', () => {
  assert.equal(CODE('<x> & y', { language: 'no-such-lang' }).xml(), '<pre><code class="hljs">&lt;x&gt; &amp; y</code></pre>')
  assert.equal(CODE('a', { language: '"><script>' }).xml(), '<pre><code class="hljs">a</code></pre>')
})

test('the highlight.js stylesheet is a local framework asset', () => {
  const table = assetTable(path.resolve(__dirname, '../..'))
  assert.ok(table['highlight.css'])
  assert.ok(table['highlight.css']!.endsWith(HIGHLIGHT_THEME))
  assert.match(fs.readFileSync(table['highlight.css']!, 'utf8'), /\.hljs/)
})
