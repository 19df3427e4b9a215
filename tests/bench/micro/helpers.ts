/**
 * Helper rendering (server/html): a typical fragment (heading, a 10-row
 * table with escaped text and links, a small form) built and rendered with
 * the helpers, against the same HTML written by hand with string
 * concatenation and an escape function, the floor any helper system has.
 */
import { importRoom, measureMany, result, skipped, type MicroResult } from './measure'

const ROWS = Array.from({ length: 10 }, (_, i) => ({ id: i + 1, name: `thing <${i}> & "co"`, href: `/app/default/show/${i + 1}?a=1&b=2` }))

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;')
}

function byHand(): string {
  let h = '<div class="page"><h1>Things &amp; more</h1><table class="table"><thead><tr><th>id</th><th>name</th><th>link</th></tr></thead><tbody>'
  for (const r of ROWS) h += `<tr><td>${r.id}</td><td>${esc(r.name)}</td><td><a href="${esc(r.href)}">show</a></td></tr>`
  h += '</tbody></table><form action="#" method="post"><input name="name" type="text" value="x&quot;y" /><input type="submit" value="Save" /></form></div>'
  return h
}

export async function helperMicros(): Promise<MicroResult[]> {
  const name = 'helpers: div + h1 + 10-row table + form, built and rendered'
  const { mod, why } = await importRoom('html')
  if (!mod) return [skipped('helpers', name, why!)]
  const { DIV, H1, TABLE, THEAD, TBODY, TR, TH, TD, A, FORM, INPUT } = mod as Record<string, (...a: unknown[]) => { xml(): string }>
  if (![DIV, H1, TABLE, THEAD, TBODY, TR, TH, TD, A, FORM, INPUT].every((f) => typeof f === 'function')) return [skipped('helpers', name, 'server/html does not export every helper used (DIV H1 TABLE THEAD TBODY TR TH TD A FORM INPUT)')]
  const withHelpers = () => DIV(
    H1('Things & more'),
    TABLE(THEAD(TR(TH('id'), TH('name'), TH('link'))),
      TBODY(...ROWS.map((r) => TR(TD(r.id), TD(r.name), TD(A('show', { _href: r.href }))))), { _class: 'table' }),
    FORM(INPUT({ _name: 'name', _type: 'text', _value: 'x"y' }), INPUT({ _type: 'submit', _value: 'Save' }), { _action: '#', _method: 'post' }),
    { _class: 'page' }).xml()
  const out = withHelpers()
  if (!out.includes('thing &lt;3&gt; &amp;')) return [skipped('helpers', name, `helpers did not escape the text: ${out.slice(0, 160)}`)]
  const [us, base] = await measureMany([withHelpers, byHand])
  return [result('helpers', name, us, { ratio: us / base, baseline: 'of hand-written concatenation', note: `${out.length} bytes; by hand ${base.toFixed(2)} µs` })]
}
