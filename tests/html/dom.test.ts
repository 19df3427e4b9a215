import { test } from 'node:test'
import assert from 'node:assert/strict'
import { DIV, SPAN, P, A, UL, LI, B, FORM, INPUT, QK_HTML_BAD_SELECTOR } from '../../server/html/index'

function page() {
  return DIV(
    DIV(SPAN('hello', { _class: 'x y' }), A('link', { _href: '/a', _id: 'l1' }), { _id: 'top', _class: 'box' }),
    UL(LI('one'), LI('two', { _class: 'sel' }), LI(B('three'))),
    FORM(INPUT({ _name: 'email', _type: 'text' }), INPUT({ _name: 'pw', _type: 'password' })),
    P('world'),
  )
}

test('elements by tag, #id, .class, [attr=value], combined, descendant, comma', () => {
  const d = page()
  assert.deepEqual(d.elements('li').map((e) => e.flatten()), ['one', 'two', 'three'])
  assert.equal(d.element('#l1')!.xml(), '<a href="/a" id="l1">link</a>')
  assert.equal(d.elements('.x').length, 1)
  assert.equal(d.elements('span.x.y').length, 1)
  assert.equal(d.elements('span.z').length, 0)
  assert.equal(d.element('input[name=pw]')!.get('_type'), 'password')
  assert.equal(d.element('input[name="email"]')!.get('_type'), 'text')
  assert.equal(d.elements('input[type]').length, 2)
  assert.equal(d.elements('div#top.box').length, 1)
  assert.equal(d.elements('#top span').length, 1)
  assert.equal(d.elements('ul span').length, 0)
  assert.deepEqual(d.elements('span, p').map((e) => e.tag), ['span', 'p'])
  assert.equal(d.elements('*').length, 12)
})

test('elements by attribute options and by text', () => {
  const d = page()
  assert.equal(d.elements('li', { _class: 'sel' })[0]!.flatten(), 'two')
  assert.equal(d.elements('input', { _name: /^e/ }).length, 1)
  assert.deepEqual(d.elements('li', { find: 'thr' }).map((e) => e.flatten()), ['three'])
  assert.deepEqual(d.elements('', { find: /^wor/ }).map((e) => e.tag), ['p'])
  assert.equal(d.elements('li', { findText: 'thr' }).length, 0, 'findText looks at own text only')
  assert.equal(d.element('li', { find: 'nothing' }), undefined)
})

test('replace through elements()', () => {
  const d = DIV(SPAN('a'), SPAN('b'), P('c'))
  d.elements('span', { replace: B('x') })
  assert.equal(d.xml(), '<div><b>x</b><b>x</b><p>c</p></div>')
  d.elements('p', { replace: null })
  assert.equal(d.xml(), '<div><b>x</b><b>x</b></div>')
  d.elements('b', { replace: (el) => SPAN(el.flatten().toUpperCase()) })
  assert.equal(d.xml(), '<div><span>X</span><span>X</span></div>')
})

test('append, insert, at, attribute get/set, siblings, parent, flatten', () => {
  const u = UL(LI('a'))
  u.append(LI('c')).insert(1, LI('b'))
  assert.equal(u.xml(), '<ul><li>a</li><li>b</li><li>c</li></ul>')
  const li = u.element('li', { find: 'b' })!
  assert.equal(li.parent, u)
  assert.deepEqual(li.siblings().map((s) => s.flatten()), ['a', 'c'])
  assert.equal(li.sibling()!.flatten(), 'a')
  li.set('_class', 'active')
  assert.equal(li.get('_class'), 'active')
  assert.equal(u.elements('li.active').length, 1)
  assert.equal((u.at(-1) as typeof li).flatten(), 'c')
  assert.equal(DIV('a', B('b<'), SPAN('c', P('d'))).flatten(), 'ab<cd')
  assert.equal(DIV('x', B('y')).flatten((el, t) => (el.tag === 'b' ? `*${t}*` : t)), 'x*y*')
})

test('a bad selector is a clear error', () => {
  assert.throws(() => page().elements('div >> p'), QK_HTML_BAD_SELECTOR)
  assert.throws(() => page().elements('[unclosed'), /Invalid element selector/)
})
