/**
 * Hostile-input fuzzing (fast-check, fixed seed) of issue 16's parts:
 * TAG(html) parsing is stable (parse∘render is idempotent) and never throws;
 * the sanitizer, in both modes, never lets a tag outside its allow-list or an
 * event handler through; helpers never render a script scheme in a URL attribute.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { A, IMG, parseHtml, sanitizeHtml } from '../../server/html/index'

const PIECES = ['<', '>', '/', '"', "'", '=', ' ', 'a', 'b', 'div', 'script', 'p', 'li', 'td', 'tr', '<!--', '-->', '&amp;', '&lt;', '&#106;',
  'href', 'javascript:', '<br>', '</', '<!', '?', '\n', 'textarea', 'title', 'style', 'img', 'on', 'x', 'src']
const markup = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(''))
const ALLOWED = /^<\/?(?:a|b|i|p|div|span|img|br|ul|ol|li|td|tr|th|table|thead|tbody|pre|code|h\d|hr|strong|em|u|s|sub|sup|blockquote|cite)\b/i
const RUNS = { numRuns: 3000, seed: 16 }

test('TAG(html): parsing never throws and parse∘render is idempotent', () => {
  fc.assert(fc.property(markup, (s) => {
    const once = parseHtml(s).xml()
    assert.equal(parseHtml(once).xml(), once)
  }), RUNS)
})

test('sanitizer: only allow-listed tags, no handlers, in both modes', () => {
  fc.assert(fc.property(markup, fc.boolean(), (s, strip) => {
    const out = sanitizeHtml(s, { stripDisallowed: strip })
    for (const tag of out.match(/<[^>]*>/g) ?? []) {
      assert.match(tag, ALLOWED, `${JSON.stringify(s)} → ${out}`)
      assert.doesNotMatch(tag, /\son\w*=/i)
      assert.doesNotMatch(tag, /(?:href|src)="\s*javascript/i)
    }
  }), RUNS)
})

test('helpers: no generated href/src value is read by a browser as a script scheme', () => {
  const noise = fc.constantFrom('', ' ', '\t', '\n', '\r', '\u0000', '\u0001', '\u001f', '\u00a0', '\ufeff', '\u200b')
  const scheme = fc.constantFrom('javascript', 'vbscript', 'data', 'JaVaScRiPt', 'DATA', 'livescript')
  const hostile = fc.tuple(noise, scheme, fc.array(noise, { maxLength: 3 }), fc.integer({ min: 0, max: 8 }), fc.constantFrom(':alert(1)', ':text/html,<script>', ':image/svg+xml,<svg>'))
    .map(([lead, sch, inside, at, rest]) => {
      const i = Math.min(at, sch.length)
      return lead + sch.slice(0, i) + inside.join('') + sch.slice(i) + rest
    })
  fc.assert(fc.property(hostile, (url) => {
    for (const html of [A('x', { _href: url }).xml(), IMG({ _src: url }).xml()]) {
      const m = /(?:href|src)="([^"]*)"/.exec(html)
      if (!m) continue
      const read = m[1]!.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/^[\u0000-\u0020]+/, '').replace(/[\t\n\r]/g, '').toLowerCase()
      assert.doesNotMatch(read, /^(?:javascript|vbscript|livescript|data):/, `${JSON.stringify(url)} → ${html}`)
    }
  }), RUNS)
})
