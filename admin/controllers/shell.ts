/**
 * The web shell's page: a REPL in the app's environment over the admin's
 * WebSocket (/admin/live?shell=<app>, served by adminlib's shell.ts): the page only
 * hands the script the app, the CSRF token the socket must carry, and the
 * socket's path.
 */
export function index() {
  const app = appOf()
  response.title = `Shell · ${app.name}`
  return {
    appName: app.name,
    shell: { app: app.name, csrf: ide.csrf, socket: adminBase + '/live', timeout: 30 },
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, adminUrl('design', 'index', [app.name])], ['Shell', '']],
  }
}
