/**
 * The site: login/logout, the list of apps (open, design, errors, clean,
 * delete with confirmation), creating an app from the scaffold, and about.
 * Every action that changes something calls changing() (POST + CSRF token).
 */

export async function login() {
  response.title = 'Log in'
  const ip = request.client
  const next = safeNext(request.vars._next)
  if (ide.session.loggedIn) redirect(next)
  let error = ''
  // A server started without the admin's startup call has no password: say how to set one.
  const folder = admin.adminState.folder
  if (!folder || !admin.hasAdminPassword(folder)) {
    response.status = 503
    return { error: 'No admin password is set: start Quark with --password <password> (or restart it to generate one).', lockedMinutes: 0, next, noPassword: true }
  }
  let lockedMinutes = Math.ceil(admin.adminState.lockout.lockedFor(ip) / 60000)
  if (request.method === 'POST' && !lockedMinutes) {
    changing()
    if (await admin.verifyAdminPassword(folder, request.postVars.password)) {
      admin.adminState.lockout.succeed(ip)
      ide.login()
      redirect(next)
    }
    lockedMinutes = Math.ceil(admin.adminState.lockout.fail(ip) / 60000)
    const left = admin.adminState.lockout.remaining(ip)
    error = lockedMinutes ? '' : `Wrong password. ${left} attempt${left === 1 ? '' : 's'} left before a lock-out.`
  }
  if (lockedMinutes) response.status = 429
  else if (error) response.status = 401
  return { error, lockedMinutes, next, noPassword: false }
}

// Only admin pages are valid places to go back to after login (no open redirect).
function safeNext(v: unknown): string {
  return typeof v === 'string' && v.startsWith(adminBase + '/') && /^[A-Za-z0-9_/.?=&%-]*$/.test(v.slice(adminBase.length)) && !v.includes('//') ? v : adminUrl('default', 'index')
}

export function logout() {
  changing()
  ide.logout()
  redirect(adminUrl('default', 'login'))
}

export function index() {
  response.title = 'Site'
  const apps = admin.listApps(ide.applications)
  return { apps, crumbs: [['Site', '']], newName: '' }
}

export function create_app() {
  changing()
  const name = String(request.postVars.name ?? '').trim()
  attempt(() => admin.createApp(ide.applications, name, admin.scaffoldFolder()))
  ide.say(`App ${name} created.`)
  redirect(adminUrl('design', 'index', [name]))
}

/** GET: the confirmation page; POST (with the token): delete. */
export function delete_app() {
  const app = appOf()
  if (request.method !== 'POST') {
    response.title = `Delete ${app.name}?`
    return { appName: app.name, crumbs: [['Site', adminUrl('default')], [`Delete ${app.name}`, '']] }
  }
  changing()
  attempt(() => admin.deleteApp(ide.applications, app.name))
  ide.say(`App ${app.name} deleted.`)
  redirect(adminUrl('default'))
}

export function clean_app() {
  changing()
  const app = appOf()
  const n = attempt(() => admin.cleanApp(ide.applications, app.name))
  ide.say(`App ${app.name} cleaned: ${n} file${n === 1 ? '' : 's'} of sessions, cache and errors removed.`)
  redirect(adminUrl('default'))
}

export function about() {
  response.title = 'About'
  return { info: admin.aboutInfo(), crumbs: [['Site', adminUrl('default')], ['About', '']] }
}
