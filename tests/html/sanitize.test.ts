import { test } from 'node:test'
import assert from 'node:assert/strict'
import { XML, sanitizeHtml, isSafeUrl } from '../../server/html/index'

// the historical cases below drop what is not permitted (stripDisallowed); sanitizer.test.ts covers the escaping default
const clean = (s: string) => XML(s, { sanitize: true, stripDisallowed: true }).xml()

test('allowed tags and attributes are kept', () => {
  assert.equal(clean('<p>Hi <b>there</b> <i>you</i></p>'), '<p>Hi <b>there</b> <i>you</i></p>')
  assert.equal(clean('<a href="http://x.com/?a=1&amp;b=2" title="t">x</a>'), '<a href="http://x.com/?a=1&amp;b=2" title="t">x</a>')
  assert.equal(clean('<img src="/a.png" alt="A">'), '<img src="/a.png" alt="A" />')
  assert.equal(clean('<ul><li>a<li>b</ul>'), '<ul><li>a<li>b</li></li></ul>')
  assert.equal(clean('line<br>next<br/>'), 'line<br />next<br />')
})

test('scripts, styles and their content are removed', () => {
  assert.equal(clean('a<script>alert(1)</script>b'), 'ab')
  assert.equal(clean('a<SCRIPT type="x">alert(1)</SCRIPT>b'), 'ab')
  assert.equal(clean('<style>body{}</style>x'), 'x')
  assert.equal(clean('<iframe src="http://evil"></iframe>ok'), 'ok')
  assert.equal(clean('<script>never closed'), '')
})

test('event handlers and unknown attributes are dropped', () => {
  assert.equal(clean('<img src=x onerror=alert(1)>'), '<img src="x" />')
  assert.equal(clean('<b onclick="steal()" style="x">b</b>'), '<b>b</b>')
  assert.equal(clean('<a href="/a" onmouseover=\'x()\'>a</a>'), '<a href="/a">a</a>')
})

test('javascript: and data: URLs are dropped, also obfuscated', () => {
  assert.equal(clean('<a href="javascript:alert(1)">x</a>'), '<a>x</a>')
  assert.equal(clean('<a href="JaVaScRiPt:alert(1)">x</a>'), '<a>x</a>')
  assert.equal(clean('<a href=" java\tscript:alert(1)">x</a>'), '<a>x</a>')
  assert.equal(clean('<a href="&#106;avascript:alert(1)">x</a>'), '<a>x</a>')
  assert.equal(clean('<img src="data:text/html;base64,xx">'), '<img />')
  assert.equal(clean('<a href="mailto:a@b.c">m</a>'), '<a href="mailto:a@b.c">m</a>')
  assert.ok(isSafeUrl('/relative/path:x'))
  assert.ok(isSafeUrl('https://x'))
  assert.ok(!isSafeUrl('vbscript:x'))
})

test('disallowed tags vanish but their text stays, escaped', () => {
  assert.equal(clean('<blink>hi &lt;there&gt;</blink>'), 'hi &lt;there&gt;')
  assert.equal(clean('<form action="/x"><input name=a></form>t'), 't')
  assert.equal(clean('<!-- c --><b>x</b>'), '<b>x</b>')
  assert.equal(clean("it's <b>\"q\"</b>"), 'it&#x27;s <b>&quot;q&quot;</b>')
})

test('custom allow-lists', () => {
  assert.equal(sanitizeHtml('<b>x</b><i>y</i>', { permittedTags: ['i'], stripDisallowed: true }), 'x<i>y</i>')
  assert.equal(sanitizeHtml('<span class="c" id="d">x</span>', { permittedTags: ['span'], allowedAttributes: { span: ['class'] }, stripDisallowed: true }), '<span class="c">x</span>')
  assert.equal(XML('<script>raw</script>').xml(), '<script>raw</script>', 'without sanitize XML is raw')
})
