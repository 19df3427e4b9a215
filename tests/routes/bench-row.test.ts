/**
 * The bench row of issue 24 works: `quark-hello-routes-http` starts a Quark whose site has the
 * router and 20 routes_in rules, /hello answers Hello World through them, and it is measured
 * (a very short run; the real figures come from `npm run bench`).
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runMacro } from '../bench/macro'
import { targets } from '../bench/report'

test('bench row: hello through routes (router + 20 routes_in) is checked and measured', async () => {
  const lines: string[] = []
  const m = await runMacro({ rounds: 1, seconds: 0.5, warmupSeconds: 0, connections: 2, only: ['quark-hello-routes-http', 'quark-hello-http'], log: (l) => lines.push(l) })
  const routed = m.rows.find((r) => r.contender.id === 'quark-hello-routes-http')!
  assert.equal(routed.failed, undefined, `${routed.failed} ${lines.join('\n')}`)
  assert.ok(routed.rps! > 0 && routed.cpu! > 0, `rps ${routed.rps} cpu ${routed.cpu}`)
  assert.equal(routed.non2xx, 0)
  // the report judges it against the plain hello of the same run
  const t = targets(m, []).find((x) => /routes \(router \+ 20 routes_in\)/.test(x.what))!
  assert.notEqual(t.ok, undefined, t.detail)
  assert.match(t.detail, /^\S+ vs \S+ µs = [+-]/)
})
