import { test } from 'node:test'
import assert from 'node:assert/strict'
import {
  A, B, BR, BUTTON, CAT, CODE, COL, COLGROUP, DIV, EM, EMBED, FIELDSET, FORM, H1, H6, HEAD, HR, HTML, I, IFRAME, IMG, INPUT,
  LABEL, LEGEND, LI, LINK, META, OBJECT, OL, OPTGROUP, OPTION, P, PRE, SCRIPT, SELECT, SPAN, STYLE, TABLE, TAG, TBODY, TD,
  TEXTAREA, TFOOT, TH, THEAD, TITLE, TR, TT, UL, XML, BODY, XmlElement, escapeHtml, xmlescape, QK_HTML_BAD_TAG,
} from '../../server/html/index'

test('the contract example and String()', () => {
  const d = DIV('<>', SPAN('x'), { _class: 'c' })
  assert.equal(d.xml(), '<div class="c">&lt;&gt;<span>x</span></div>')
  assert.equal(String(d), '<div class="c">&lt;&gt;<span>x</span></div>')
  assert.equal(`${d}`, d.xml())
})

test('escaping of text and attributes', () => {
  assert.equal(escapeHtml(`a&b<c>d"e'f`), 'a&amp;b&lt;c&gt;d&quot;e&#x27;f')
  assert.equal(SPAN(`<script>'x'&"y"</script>`).xml(), '<span>&lt;script&gt;&#x27;x&#x27;&amp;&quot;y&quot;&lt;/script&gt;</span>')
  assert.equal(A('x', { _href: `/a?b=1&c="2"` }).xml(), '<a href="/a?b=1&amp;c=&quot;2&quot;">x</a>')
  assert.equal(DIV({ _title: "it's" }).xml(), '<div title="it&#x27;s"></div>')
  assert.equal(xmlescape(null), '')
  assert.equal(xmlescape(undefined), '')
  assert.equal(xmlescape(0), '0')
  assert.equal(xmlescape(B('x')), '<b>x</b>')
})

test('attributes: sorted like web2py, booleans, null/false dropped, data-*', () => {
  assert.equal(DIV({ _z: '1', _a: '2', _m: 3 }).xml(), '<div a="2" m="3" z="1"></div>')
  assert.equal(INPUT({ _type: 'checkbox', _disabled: true, _checked: false, _x: null, _y: undefined }).xml(), '<input disabled="disabled" type="checkbox" />')
  assert.equal(DIV({ data: { role: 'x', n: 2, off: null } }).xml(), '<div data-n="2" data-role="x"></div>')
  assert.equal(DIV({ requires: 'kept', value: 1 }).xml(), '<div></div>', 'options without _ are not rendered')
})

test('void elements', () => {
  assert.equal(BR().xml(), '<br />')
  assert.equal(HR().xml(), '<hr />')
  assert.equal(IMG({ _src: '/a.png', _alt: '' }).xml(), '<img alt="" src="/a.png" />')
  assert.equal(META({ _name: 'description', _content: 'x' }).xml(), '<meta content="x" name="description" />')
  assert.equal(LINK({ _rel: 'stylesheet', _href: '/s.css' }).xml(), '<link href="/s.css" rel="stylesheet" />')
  assert.equal(COL({ _span: 2 }).xml(), '<col span="2" />')
  assert.equal(EMBED({ _src: 'x' }).xml(), '<embed src="x" />')
  assert.equal(TAG('hr/').xml(), '<hr />')
})

test('every simple helper renders its tag', () => {
  const simple: Array<[(...a: never[]) => XmlElement, string]> = [
    [A, 'a'], [B, 'b'], [BODY, 'body'], [BUTTON, 'button'], [CODE, 'code'], [COLGROUP, 'colgroup'], [EM, 'em'], [FIELDSET, 'fieldset'],
    [H1, 'h1'], [H6, 'h6'], [HEAD, 'head'], [I, 'i'], [IFRAME, 'iframe'], [LABEL, 'label'], [LEGEND, 'legend'], [LI, 'li'],
    [OBJECT, 'object'], [P, 'p'], [PRE, 'pre'], [SPAN, 'span'], [TD, 'td'], [TH, 'th'], [TITLE, 'title'], [TT, 'tt'],
  ]
  for (const [h, tag] of simple) assert.equal((h as unknown as (...a: unknown[]) => XmlElement)('a<b').xml(), `<${tag}>a&lt;b</${tag}>`)
})

test('nesting, arrays, null components, numbers, CAT, XML', () => {
  assert.equal(DIV(['a', ['b', SPAN(1)]], null, undefined, 0).xml(), '<div>ab<span>1</span>0</div>')
  assert.equal(CAT('a', B('b'), '<').xml(), 'a<b>b</b>&lt;')
  assert.equal(DIV(XML('<b>raw</b>')).xml(), '<div><b>raw</b></div>')
  assert.equal(DIV(DIV(DIV('deep', { _id: 'x' }))).xml(), '<div><div><div id="x">deep</div></div></div>')
})

test('lists and tables wrap stray components', () => {
  assert.equal(UL('a', LI('b'), B('c')).xml(), '<ul><li>a</li><li>b</li><li><b>c</b></li></ul>')
  assert.equal(OL('x').xml(), '<ol><li>x</li></ol>')
  assert.equal(TABLE(['a', 'b'], ['c']).xml(), '<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>')
  assert.equal(TABLE([['a'], ['b']]).xml(), '<table><tr><td>a</td></tr><tr><td>b</td></tr></table>')
  assert.equal(TABLE(TR('x', TH('h')), 'y').xml(), '<table><tr><td>x</td><th>h</th></tr><tr><td>y</td></tr></table>')
  assert.equal(TABLE(THEAD(TR(TH('h'))), TBODY(['v']), TFOOT('f')).xml(), '<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>v</td></tr></tbody><tfoot><tr><th>f</th></tr></tfoot></table>')
})

test('forms: FORM defaults, INPUT value, TEXTAREA, SELECT selection, options kept', () => {
  assert.equal(FORM(INPUT({ _type: 'submit', _value: 'Go' })).xml(), '<form action="#" enctype="multipart/form-data" method="post"><input type="submit" value="Go" /></form>')
  const inp = INPUT({ _name: 'n', value: '<v>', requires: 'R' })
  assert.equal(inp.xml(), '<input name="n" type="text" value="&lt;v&gt;" />')
  assert.equal(inp.get('requires'), 'R')
  assert.equal(inp.get('_name'), 'n')
  assert.equal(INPUT({ _type: 'checkbox', _name: 'c', value: true }).xml(), '<input checked="checked" name="c" type="checkbox" value="on" />')
  assert.equal(INPUT({ _type: 'checkbox', _name: 'c', value: '' }).xml(), '<input name="c" type="checkbox" value="on" />')
  assert.equal(INPUT({ _type: 'radio', _value: 'a', value: 'a' }).xml(), '<input checked="checked" type="radio" value="a" />')
  assert.equal(TEXTAREA({ _name: 't', value: '</textarea>' }).xml(), '<textarea cols="40" name="t" rows="10">&lt;/textarea&gt;</textarea>')
  assert.equal(SELECT('a', OPTION('B', { _value: 'b' }), { _name: 's', value: 'b' }).xml(), '<select name="s"><option value="a">a</option><option selected="selected" value="b">B</option></select>')
  assert.equal(SELECT(OPTGROUP('x', { _label: 'g' }), { value: 'x' }).xml(), '<select><optgroup label="g"><option selected="selected" value="x">x</option></optgroup></select>')
  assert.equal(SELECT('a', 'b', { _multiple: true, value: ['a', 'b'] }).xml(), '<select multiple="multiple"><option selected="selected" value="a">a</option><option selected="selected" value="b">b</option></select>')
})

test('SCRIPT, STYLE, HTML doctype, P cr2br, TAG', () => {
  assert.equal(SCRIPT('if (a < b) x()').xml(), '<script><!--\nif (a < b) x()\n//--></script>')
  assert.equal(SCRIPT({ _src: '/a.js' }).xml(), '<script src="/a.js"></script>')
  assert.equal(STYLE('a>b{}').xml(), '<style><!--/*--><![CDATA[/*><!--*/\na>b{}\n/*]]>*/--></style>')
  assert.equal(HTML(BODY('x'), { doctype: 'html5', _lang: 'en' }).xml(), '<!DOCTYPE HTML>\n<html lang="en"><body>x</body></html>')
  assert.ok(HTML().xml().startsWith('<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"'))
  assert.equal(P('a\nb', { cr2br: true }).xml(), '<p>a<br />b</p>')
  assert.equal(TAG('svg', TAG.circle({ _r: 2 })).xml(), '<svg><circle r="2"></circle></svg>')
  assert.equal(TAG['my-el']('x').xml(), '<my-el>x</my-el>')
  assert.throws(() => TAG('bad tag'), QK_HTML_BAD_TAG)
  assert.throws(() => TAG('script>'), /Invalid tag name/)
})

test('A with cid targets a component', () => {
  assert.equal(A('next', { _href: '/a/c/f.load', cid: 'box' }).xml(), '<a data-quark-target="box" href="/a/c/f.load">next</a>')
})

test('helpers are XmlElement instances and serialise to JSON as HTML', () => {
  assert.ok(DIV() instanceof XmlElement)
  assert.equal(JSON.stringify({ h: B('x') }), '{"h":"<b>x</b>"}')
})
