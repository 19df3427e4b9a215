/**
 * The server the hostile cases run against: the real server (in this test
 * process, ephemeral port, HTTPS unless asked) serving the `rel` app and the
 * admin with a known password, with small body limits so that oversize cases
 * are cheap. seed() fills the tables; sentinel() reads the counts that no
 * hostile request may change.
 */
import assert from 'node:assert/strict'
import { startServer, type TestServer, type Agent } from '../../helpers/server'
import { ensureAdminPassword } from '../../../server/adminlib/index'
import { hostileApp } from '../apps/hostile'

export const ADMIN_PASSWORD = 'reliability-admin-password'
export const LIMITS = { maxBodySize: 64 * 1024, maxFileSize: 128 * 1024 }

export async function startHostileServer(o: { https?: boolean } = {}): Promise<TestServer> {
  const s = await startServer({ apps: { rel: hostileApp() }, https: o.https ?? true, options: { ...LIMITS } })
  ensureAdminPassword(s.folder, ADMIN_PASSWORD)
  const r = await s.request('/rel/default/seed')
  assert.equal(r.status, 200, `seed: ${r.body}`)
  return s
}

export interface Sentinel { things: number; secrets: number; users: number; digest: string }

export async function sentinel(s: TestServer): Promise<Sentinel> {
  const r = await s.request('/rel/default/sentinel')
  assert.equal(r.status, 200, `sentinel: ${r.body}`)
  return r.json()
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html)
  assert.ok(m, 'the page carries a CSRF token')
  return m[1]!
}

/** An agent logged in to the admin, and the CSRF token of its admin session. */
export async function adminAgent(s: TestServer): Promise<{ agent: Agent; csrf: string }> {
  const agent = s.agent()
  const page = await agent.request('/admin/default/login')
  const r = await agent.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: ADMIN_PASSWORD, _next: '/admin/default/index' } })
  assert.equal(r.status, 303, `admin login: ${r.status} ${r.body.slice(0, 200)}`)
  const site = await agent.request('/admin/default/index')
  assert.equal(site.status, 200)
  return { agent, csrf: csrfOf(site.body) }
}
