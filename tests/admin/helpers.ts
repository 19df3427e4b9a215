// Shared by the admin's HTTP and browser tests: start a server with an admin
// password, and log an agent in.
import assert from 'node:assert/strict'
import { startServer, type StartServerOptions, type TestServer, type Agent } from '../helpers/server'
import { ensureAdminPassword } from '../../server/adminlib/index'

export const PASSWORD = 'admin-test-password'

export async function startAdminServer(o: StartServerOptions = {}): Promise<TestServer> {
  const s = await startServer({ welcome: true, ...o })
  // What the server's startup does with --password (it also tells the admin where applications/ is).
  ensureAdminPassword(s.folder, PASSWORD)
  return s
}

export function csrfOf(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html)
  assert.ok(m, 'the page carries a CSRF token')
  return m[1]!
}

/** A logged-in agent and its CSRF token. */
export async function loggedIn(s: TestServer): Promise<{ agent: Agent; csrf: string }> {
  const agent = s.agent()
  const page = await agent.request('/admin/default/login')
  const r = await agent.request('/admin/default/login', { form: { _csrf: csrfOf(page.body), password: PASSWORD, _next: '/admin/default/index' } })
  assert.equal(r.status, 303, 'login redirects')
  const site = await agent.request('/admin/default/index')
  assert.equal(site.status, 200)
  return { agent, csrf: csrfOf(site.body) }
}
