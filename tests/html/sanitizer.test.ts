/**
 * Issue 16, sanitizer: what is not permitted is escaped and stays visible
 * (web2py's default), `stripDisallowed` drops it, and URL attributes accept
 * only whitelisted schemes (http, https, mailto, ftp, relative) in both modes.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { XML, sanitizeHtml, isSafeUrl } from '../../server/html/index'

const clean = (s: string, o: Record<string, unknown> = {}) => XML(s, { sanitize: true, ...o }).xml()
const strip = (s: string) => clean(s, { stripDisallowed: true })

test('default: a tag that is not permitted is escaped and kept visible, with its closing tag', () => {
  assert.equal(clean('<blink>hi</blink>'), '&lt;blink&gt;hi&lt;/blink&gt;')
  assert.equal(clean('<p>a <marquee behavior="x">m</marquee> b</p>'), '<p>a &lt;marquee behavior=&quot;x&quot;&gt;m&lt;/marquee&gt; b</p>')
  assert.equal(clean('<form action="/x"><input name=a></form>t'), '&lt;form action=&quot;/x&quot;&gt;&lt;input name=a&gt;&lt;/form&gt;t')
  assert.equal(clean('</div>x'), '&lt;/div&gt;x', 'a stray closing tag is text too')
})

test('default: script and style are shown with their content, as text', () => {
  assert.equal(clean('a<script>alert("x")</script>b'), 'a&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;b')
  assert.equal(clean('<SCRIPT type="x">if (a<b) c()</SCRIPT>'), '&lt;SCRIPT type=&quot;x&quot;&gt;if (a&lt;b) c()&lt;/SCRIPT&gt;')
  assert.equal(clean('<style>b{}</style>'), '&lt;style&gt;b{}&lt;/style&gt;')
  assert.equal(clean('<script>never closed <b>x</b>'), '&lt;script&gt;never closed &lt;b&gt;x&lt;/b&gt;', 'the rest is script text, not markup')
  assert.equal(clean('<textarea><b>t</b></textarea>'), '&lt;textarea&gt;&lt;b&gt;t&lt;/b&gt;&lt;/textarea&gt;')
})

test('default: a permitted tag with an attribute that is not allowed is shown as text', () => {
  assert.equal(clean('<b onclick="steal()">b</b> <i>ok</i>'), '&lt;b onclick=&quot;steal()&quot;&gt;b&lt;/b&gt; <i>ok</i>')
  assert.equal(clean('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;')
  assert.equal(clean('<span style="x">s</span>'), '&lt;span style=&quot;x&quot;&gt;s&lt;/span&gt;')
  assert.equal(clean('<a href="/a" title="t">a</a>'), '<a href="/a" title="t">a</a>', 'allowed attributes keep the tag')
})

test('default: a URL with a scheme that is not whitelisted shows the tag as text', () => {
  assert.equal(clean('<a href="javascript:alert(1)">x</a>'), '&lt;a href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;')
  assert.equal(clean('<a href="&#106;avascript:alert(1)">x</a>'), '&lt;a href=&quot;&amp;#106;avascript:alert(1)&quot;&gt;x&lt;/a&gt;')
  assert.equal(clean('<img src="data:image/png;base64,AA">'), '&lt;img src=&quot;data:image/png;base64,AA&quot;&gt;')
  assert.equal(clean('<a href="tel:+1">t</a>'), '&lt;a href=&quot;tel:+1&quot;&gt;t&lt;/a&gt;')
  assert.equal(clean('<a href="tel:+1">t</a>', { allowedSchemes: ['tel', 'https'] }), '<a href="tel:+1">t</a>', 'the whitelist is an option')
})

test('default: nesting stays balanced around escaped tags', () => {
  assert.equal(clean('<div><blink><b>x</blink></div>'), '<div>&lt;blink&gt;<b>x</b>&lt;/blink&gt;</div>')
  assert.equal(clean('<ul><li>a<li>b</ul>'), '<ul><li>a<li>b</li></li></ul>')
  assert.equal(clean('<!-- hidden --><b>x</b>'), '<b>x</b>', 'comments are dropped')
})

test('stripDisallowed: tags and attributes that are not permitted are dropped, text kept', () => {
  assert.equal(strip('<blink>hi &lt;there&gt;</blink>'), 'hi &lt;there&gt;')
  assert.equal(strip('a<script>alert(1)</script>b'), 'ab')
  assert.equal(strip('<svg><script>a</script><text>t</text></svg>ok'), 'ok')
  assert.equal(strip('<b onclick="steal()" style="x">b</b>'), '<b>b</b>')
  assert.equal(strip('<a href="javascript:alert(1)" title="t">x</a>'), '<a title="t">x</a>')
  assert.equal(strip('<img src=" java\tscript:x" alt="a">'), '<img alt="a" />')
  assert.equal(sanitizeHtml('<b>x</b><i>y</i>', { permittedTags: ['i'], stripDisallowed: true }), 'x<i>y</i>')
  assert.equal(sanitizeHtml('<b>x</b><i>y</i>', { permittedTags: ['i'] }), '&lt;b&gt;x&lt;/b&gt;<i>y</i>')
})

test('schemes: only http, https, mailto, ftp and relative URLs pass isSafeUrl', () => {
  for (const ok of ['/x', 'x/y:z', '#a', '?q=1', 'http://a', 'HTTPS://a', 'mailto:a@b', 'ftp://f', '//host/p']) assert.ok(isSafeUrl(ok), ok)
  for (const bad of ['javascript:x', ' javascript:x', 'java\u0000script:x', 'JaVaScRiPt:x', '&#106;avascript:x', '&#x6A;avascript:x', 'javascript&colon;x',
    'vbscript:x', 'data:text/html,x', 'data:image/png;base64,AA', 'tel:1', 'file:///etc/passwd', 'java\u200bscript:x']) assert.ok(!isSafeUrl(bad), bad)
  assert.ok(isSafeUrl('tel:1', ['tel']))
})

test('every sanitized output is free of live markup from hostile input', () => {
  const hostile = ['<img src=x onerror=alert(1)>', '<svg onload=alert(1)>', '<a href="javascript:x">', '<iframe src="//evil">', '<body onload=x>',
    '<scr<script>ipt>alert(1)</script>', '<<b>b>', '"><script>alert(1)</script>', '<math><mi xlink:href="javascript:x">', '<a href=javas&#99;ript:x>x</a>']
  for (const h of hostile) {
    for (const out of [clean(h), strip(h)]) {
      // real tags (escaped text holds no '<'): only permitted ones, no handlers, no script URL
      for (const tag of out.match(/<[^>]*>/g) ?? []) {
        assert.match(tag, /^<\/?(?:a|b|i|p|div|span|img|br|ul|ol|li)\b/, `${h} → ${out}`)
        assert.doesNotMatch(tag, /\son\w+=/i, `${h} → ${out}`)
        assert.doesNotMatch(tag, /(?:href|src)="(?!https?:|\/|#|[\w.]+(?:[/?#"]|$))/i, `${h} → ${out}`)
      }
    }
  }
})
