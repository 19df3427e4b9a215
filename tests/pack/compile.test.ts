// quark compile: a compiled app serves the same pages with its sources removed;
// compile --remove runs from sources again; a compiled app packs and installs.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer } from '../helpers/server'
import { compileApp, removeCompiled, isCompiled, compileCommand } from '../../server/compile'
import { packApp, unpackApp } from '../../server/pack'
import { SHOP_APP } from './testapp'

const pages = ['/shop/default/index', '/shop/default/about', '/shop/default/plain']

test('compiled app serves the same pages without its sources; --remove restores sources', async () => {
  const s = await startServer({ https: false, apps: { shop: SHOP_APP } })
  try {
    const before: string[] = []
    for (const p of pages) { const r = await s.request(p); assert.equal(r.status, 200, p); before.push(r.body) }
    assert.match(before[0]!, /<li>apple<\/li><li>banana<\/li>/)
    assert.match(before[1]!, /conditional model ran/)
    const app = s.appFolder('shop')
    const rep = compileApp(app)
    assert.ok(isCompiled(app))
    assert.ok(rep.bytesOut < rep.bytesIn, 'minified')
    const compiledCtl = fs.readFileSync(path.join(app, 'compiled', 'controllers', 'default.js'), 'utf8')
    assert.doesNotMatch(compiledCtl, /: string/, 'types are gone')
    // the sources go away
    const saved = path.join(s.folder, 'saved-sources')
    for (const d of ['models', 'controllers', 'views']) fs.renameSync(path.join(app, d), path.join(saved + '-' + d))
    await new Promise((r) => setTimeout(r, 600))  // the core re-checks files every 500 ms
    for (let i = 0; i < pages.length; i++) {
      const r = await s.request(pages[i]!)
      assert.equal(r.status, 200, `${pages[i]} compiled: ${r.body.slice(0, 300)}`)
      assert.equal(r.body, before[i], `${pages[i]} is the same page`)
    }
    // a compiled app (no sources) packs and installs under a new name
    const w2t = packApp(app)
    unpackApp(w2t, path.join(s.folder, 'applications'), 'shopcopy')
    await new Promise((r) => setTimeout(r, 1100))  // a new app folder is noticed by a rescan at most once a second
    const copy = await s.request('/shopcopy/default/index')
    assert.equal(copy.status, 200, copy.body.slice(0, 300))
    assert.match(copy.body, /<li>apple<\/li>/)
    // sources back, compiled removed: runs from sources (an edit shows)
    for (const d of ['models', 'controllers', 'views']) fs.renameSync(path.join(saved + '-' + d), path.join(app, d))
    fs.writeFileSync(path.join(app, 'controllers', 'default.ts'), fs.readFileSync(path.join(app, 'controllers', 'default.ts'), 'utf8').replace("'plain '", "'source '"))
    assert.equal((await s.request('/shop/default/plain')).body, 'plain 42', 'compiled still wins while compiled/ exists')
    assert.equal(removeCompiled(app), true)
    await new Promise((r) => setTimeout(r, 600))
    assert.equal((await s.request('/shop/default/plain')).body, 'source 42')
    assert.equal((await s.request('/shop/default/index')).body, before[0])
  } finally { await s.stop() }
})

test('a syntax error refuses the compile and keeps the previous state; CLI', async () => {
  const s = await startServer({ https: false, apps: { shop: { ...SHOP_APP, 'controllers/broken.ts': 'export function x( {' } } })
  try {
    const app = s.appFolder('shop')
    assert.throws(() => compileApp(app), (e: any) => e.code === 'QK_COMPILE_FAILED' && /controllers\/broken\.ts:1/.test(e.message))
    assert.ok(!fs.existsSync(path.join(app, 'compiled')))
    assert.ok(!fs.readdirSync(app).some((n) => n.startsWith('.compiled')))
    fs.rmSync(path.join(app, 'controllers', 'broken.ts'))
    const out: string[] = []
    const io = { out: (x: string) => out.push(x), err: (x: string) => out.push(x) }
    assert.equal(await compileCommand.run({ flags: { folder: s.folder }, positional: ['shop'] }, io), 0)
    assert.ok(isCompiled(app))
    assert.equal(await compileCommand.run({ flags: { folder: s.folder, remove: true }, positional: ['shop'] }, io), 0)
    assert.ok(!isCompiled(app))
    await assert.rejects(compileCommand.run({ flags: { folder: s.folder }, positional: ['nope'] }, io), /No app folder/)
    assert.match(out.join('\n'), /compiled shop: \d+ files/)
  } finally { await s.stop() }
})
