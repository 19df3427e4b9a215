/**
 * Issue 16: TAG(html) parses markup into helpers, so the server-side DOM
 * search works on parsed HTML; entities become text (escaped again on
 * output); void elements, quoted/unquoted/bare attributes, comments, raw-text
 * elements and unclosed tags are handled; nothing is ever executed.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { TAG, DIV, XmlElement, parseHtml, HtmlComment } from '../../server/html/index'

test('TAG(html) builds helpers that elements()/element() search', () => {
  const t = TAG('<div class="c x" id=main><p>One <b>two</b></p><div class=c>three</div><a href="/x">link</a></div>')
  assert.ok(t instanceof XmlElement)
  assert.equal(t.elements('div.c').length, 2)
  assert.equal(t.element('#main')?.tag, 'div')
  assert.equal(t.element('div.c div.c')?.flatten(), 'three')
  assert.equal(t.element('p b')?.flatten(), 'two')
  assert.equal(t.element('a[href=/x]')?.flatten(), 'link')
  assert.equal(t.element('div', { findText: 'three' })?.get('_class'), 'c')
  assert.equal(t.xml(), '<div class="c x" id="main"><p>One <b>two</b></p><div class="c">three</div><a href="/x">link</a></div>')
})

test('parsed elements can be changed and rendered, and mixed with helpers', () => {
  const t = TAG('<ul><li>a</li><li>b</li></ul>')
  t.element('ul')!.append(TAG('<li>c</li>'))
  t.elements('li', { find: 'b', replace: DIV('B') })
  assert.equal(t.xml(), '<ul><li>a</li><div>B</div><li>c</li></ul>')
  assert.equal(DIV(TAG('<i>x</i>')).xml(), '<div><i>x</i></div>')
})

test('void elements, attribute forms, case', () => {
  assert.equal(TAG('<P>a<BR>b<br/>c<IMG SRC="/a.png" ALT=\'it&#39;s\'><input disabled value=x></P>').xml(),
    '<p>a<br />b<br />c<img alt="it&#x27;s" src="/a.png" /><input disabled="disabled" value="x" /></p>')
  assert.equal(TAG('<div data-x="1" aria-label=\'l\'></div>').element('div')?.get('_data-x'), '1')
})

test('entities are decoded into text and escaped again on output', () => {
  const t = TAG('<p title="a &amp; &quot;b&quot;">&lt;script&gt;alert(1)&lt;/script&gt; &copy; &#169; &#xA9;</p>')
  assert.equal(t.element('p')?.flatten(), '<script>alert(1)</script> © © ©')
  assert.equal(t.element('p')?.get('_title'), 'a & "b"')
  assert.equal(t.xml(), '<p title="a &amp; &quot;b&quot;">&lt;script&gt;alert(1)&lt;/script&gt; © © ©</p>')
  assert.equal(TAG('<b>1 < 2 & 3</b>').xml(), '<b>1 &lt; 2 &amp; 3</b>', 'a lone < and & are text')
})

test('comments are kept defused; doctype kept; other declarations dropped', () => {
  const t = TAG('<!DOCTYPE html><!-- a -- b --><?php x ?><b>x</b>')
  assert.equal(t.xml(), '<!DOCTYPE html><!-- a - - b --><b>x</b>')
  assert.ok(t.components.some((c) => c instanceof HtmlComment))
  assert.equal(TAG('<!-- --><!--x><script>y</script>-->z').xml(), '<!-- --><!--x&gt;&lt;script&gt;y&lt;/script&gt;-->z')
  assert.equal(TAG('<!-- unterminated <b>').xml(), '<!-- unterminated &lt;b&gt;-->')
})

test('script and style content is raw text up to the closing tag; textarea and title content is text', () => {
  const t = TAG('<script>if (a < b && "<b>") x()</script><style>p > b {}</style><textarea>&lt;i&gt;<b></textarea><title>T &amp; <i></title>')
  assert.equal(t.elements('b').length, 0, 'no element is made from raw text')
  assert.equal(t.xml(), '<script>if (a < b && "<b>") x()</script><style>p > b {}</style><textarea>&lt;i&gt;&lt;b&gt;</textarea><title>T &amp; &lt;i&gt;</title>')
  assert.equal(TAG('<script>unclosed <b>').xml(), '<script>unclosed <b></script>')
})

test('unclosed and stray tags are tolerated like browsers', () => {
  assert.equal(TAG('<div><p>a<p>b<ul><li>1<li>2</ul></div><span>tail').xml(), '<div><p>a</p><p>b</p><ul><li>1</li><li>2</li></ul></div><span>tail</span>')
  assert.equal(TAG('<b>x</i></b></div>y').xml(), '<b>x</b>y')
  assert.equal(TAG('<table><tr><td>1<td>2<tr><td>3</table>').xml(), '<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>')
  assert.equal(TAG('<div><span>open').xml(), '<div><span>open</span></div>')
  assert.equal(TAG('<a href="x>y">t</a>').element('a')?.get('_href'), 'x>y')
})

test('round trip of hostile markup renders its text escaped, and odd names are not kept as attributes', () => {
  // the tag ends at the first '>' (as in a browser): '<script' is no attribute name, the rest is text
  assert.equal(TAG('<div <script>="x" onclick=go>t</div>').xml(), '<div>=&quot;x&quot; onclick=go&gt;t</div>')
  assert.equal(TAG('<div a<b=1 c=2>t</div>').xml(), '<div c="2">t</div>')
  assert.equal(TAG('<div title="&lt;/div&gt;&lt;script&gt;">t</div>').xml(), '<div title="&lt;/div&gt;&lt;script&gt;">t</div>')
  assert.equal(TAG('<a href="javascript:alert(1)">x</a>').xml(), '<a href="#">x</a>', 'URL attributes are checked on render, parsed or not')
  assert.equal(parseHtml('').xml(), '')
  assert.equal(parseHtml('plain & simple').xml(), 'plain &amp; simple')
  assert.equal(TAG(' <i>lead</i>').xml(), ' <i>lead</i>')
})
