/**
 * Issue 16, defect 7: URL-type attributes of helpers (href, src, action,
 * formaction, poster, cite, background, xlink:href, srcset, data) refuse
 * javascript:, vbscript: and data: (raster images excepted in image
 * attributes) unless the value is wrapped in XML(). A refused link renders
 * `#`; a refused resource attribute is left out.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { A, BUTTON, FORM, IFRAME, IMG, INPUT, OBJECT, TAG, XML, EMBED, isAllowedUrl, safeUrlValue } from '../../server/html/index'

/** Hostile values, as a request could carry them; each must come out inert in every URL attribute. */
const HOSTILE: string[] = [
  'javascript:alert(1)',
  'JaVaScRiPt:alert(1)',
  'JAVASCRIPT:alert(1)',
  ' javascript:alert(1)',
  '\tjavascript:alert(1)',
  '\njavascript:alert(1)',
  '\u0000javascript:alert(1)',
  '\u0001\u0002javascript:alert(1)',
  '\u001fjavascript:alert(1)',
  'java\tscript:alert(1)',
  'java\nscript:alert(1)',
  'java\rscript:alert(1)',
  'jav\u0000ascript:alert(1)',
  'javascript\t:alert(1)',
  ' \t\n javascript:alert(1)',
  '\u00a0javascript:alert(1)',
  '\u2028javascript:alert(1)',
  '\ufeffjavascript:alert(1)',
  'java\u200bscript:alert(1)',
  'javascript://%0Aalert(1)',
  'javascript:/*--></title></style></textarea></script><svg/onload=alert(1)>',
  'vbscript:msgbox(1)',
  'VBScript:msgbox(1)',
  ' vbscript:msgbox(1)',
  'livescript:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==',
  'DATA:text/html,<script>alert(1)</script>',
  ' data:text/html,x',
  'data:image/svg+xml,<svg onload=alert(1)>',
  'data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+',
  'data:application/javascript,alert(1)',
  'data:,alert(1)',
  'd\nata:text/html,x',
]

/** Values an app legitimately renders: kept as given (escaped). */
const HARMLESS: string[] = [
  '/app/default/index', 'https://example.com/?a=1&b=2', 'http://x/y', 'mailto:a@b.c', 'tel:+15555550100', 'ftp://f/x',
  '#top', '?page=2', 'relative/path:with-colon', 'sms:+1', 'magnet:?xt=urn:x', '//cdn.example/x.js',
  '&#106;avascript:alert(1)', // escaped on output: the browser reads the text "&#106;avascript:..." (a relative URL)
]

/** Does `html` hold a URL attribute whose value, read as a browser reads it, has a script scheme? */
function hasLiveScheme(html: string): boolean {
  for (const m of html.matchAll(/\s([\w:]+)="([^"]*)"/g)) {
    const value = m[2]!.replace(/&quot;/g, '"').replace(/&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&')
    const read = value.replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '').toLowerCase()
    if (/^(?:javascript|vbscript|livescript|data):/.test(read) && !/^data:image\/(?:png|gif|jpe?g|webp)[;,]/.test(read)) return true
  }
  return false
}

test('defect 7: A(_href) with a javascript: value from the request renders # (it rendered the value before)', () => {
  const fromRequest = 'javascript:alert(document.cookie)'
  assert.equal(A('x', { _href: fromRequest }).xml(), '<a href="#">x</a>')
  assert.equal(IMG({ _src: fromRequest }).xml(), '<img />')
  assert.equal(FORM({ _action: fromRequest }).xml(), '<form action="#" enctype="multipart/form-data" method="post"></form>')
  assert.equal(BUTTON('go', { _formaction: ' vbscript:x' }).xml(), '<button formaction="#">go</button>')
})

test(`${HOSTILE.length} hostile values are inert in every URL attribute of every helper`, () => {
  assert.ok(HOSTILE.length >= 30)
  for (const bad of HOSTILE) {
    const renders = [
      A('x', { _href: bad }), A('x', { _HREF: bad }), IMG({ _src: bad }), IMG({ _srcset: bad + ' 2x' }), IMG({ _srcset: '/a.png 1x, ' + bad + ' 2x' }),
      FORM({ _action: bad }), BUTTON({ _formaction: bad }), INPUT({ _type: 'image', _src: bad, _formaction: bad }), IFRAME({ _src: bad }),
      OBJECT({ _data: bad }), EMBED({ _src: bad }), TAG.video({ _poster: bad, _src: bad }), TAG.blockquote({ _cite: bad }),
      TAG.table({ _background: bad }), TAG.use({ '_xlink:href': bad }), TAG('area/', { _href: bad }), TAG.svg(TAG.a({ _href: bad })),
    ]
    for (const el of renders) {
      const html = el.xml()
      assert.ok(!hasLiveScheme(html), `${JSON.stringify(bad)} stayed live in ${html}`)
    }
    assert.equal(A('x', { _href: bad }).xml(), '<a href="#">x</a>', JSON.stringify(bad))
    assert.equal(IMG({ _src: bad, _alt: 'a' }).xml(), '<img alt="a" />', JSON.stringify(bad))
  }
})

test('harmless values are kept, escaped', () => {
  for (const ok of HARMLESS) {
    const html = A('x', { _href: ok }).xml()
    assert.equal(html, `<a href="${ok.replace(/&/g, '&amp;')}">x</a>`)
    assert.ok(!hasLiveScheme(html))
  }
})

test('raster data: images are allowed where an image is loaded, nowhere else; SVG never', () => {
  const png = 'data:image/png;base64,iVBORw0KGgo='
  assert.equal(IMG({ _src: png }).xml(), `<img src="${png}" />`)
  assert.equal(IMG({ _src: 'data:image/jpeg;base64,/9j/' }).xml(), '<img src="data:image/jpeg;base64,/9j/" />')
  assert.equal(IMG({ _srcset: `${png} 1x, /b.png 2x` }).xml(), `<img srcset="${png} 1x, /b.png 2x" />`)
  assert.equal(TAG.video({ _poster: 'data:image/gif;base64,R0lGOD' }).xml(), '<video poster="data:image/gif;base64,R0lGOD"></video>')
  assert.equal(A('x', { _href: png }).xml(), '<a href="#">x</a>', 'a data: link is refused even for an image')
  assert.equal(OBJECT({ _data: png }).xml(), '<object></object>')
  assert.equal(IMG({ _src: 'data:image/svg+xml,<svg/>' }).xml(), '<img />')
  assert.ok(isAllowedUrl('src', png))
  assert.ok(!isAllowedUrl('href', png))
  assert.equal(safeUrlValue('HREF', 'javascript:x'), '#')
  assert.equal(safeUrlValue('poster', 'javascript:x'), undefined)
})

test('a value wrapped in XML() is trusted as given; other attributes are not URL attributes', () => {
  assert.equal(A('x', { _href: XML('javascript:void(0)') }).xml(), '<a href="javascript:void(0)">x</a>')
  assert.equal(IMG({ _src: XML('data:image/svg+xml,<svg/>') }).xml(), '<img src="data:image/svg+xml,&lt;svg/&gt;" />')
  assert.equal(A('x', { _href: '#', _onclick: 'javascript:void(0);return false;' }).xml(), '<a href="#" onclick="javascript:void(0);return false;">x</a>')
  assert.equal(A('x', { _title: 'javascript:x', data: { url: 'javascript:x' } }).xml(), '<a data-url="javascript:x" title="javascript:x">x</a>')
})
