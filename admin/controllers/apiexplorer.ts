/**
 * The API explorer of an app: Swagger UI (the installed swagger-ui-dist
 * package, served here, never from a CDN) pointed at the OpenAPI documents
 * of the app's RestAPI actions, found in its controllers
 * (`export const api = RestAPI(...)` → /<app>/<controller>/api/openapi.json).
 * "Try it out" calls the app itself, from the same origin.
 *
 *   /admin/apiexplorer/index/<app>
 *   /admin/apiexplorer/swagger/<file>   swagger-ui.css, swagger-ui-bundle.js, ...
 */
import fs from 'node:fs'
import nodePath from 'node:path'

// The only files served: a fixed list, so no path from the URL ever reaches the file system.
const SWAGGER_FILES: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
}

/** swagger-ui-dist's folder (the checkout's, or the binary's copy); null where it is absent (looked up when a file is asked for, so the page itself still loads). */
function swaggerFolder(): string | null {
  const dir = admin.vendorFolder('swagger-ui-dist')
  return fs.existsSync(nodePath.join(dir, 'swagger-ui-bundle.js')) ? dir : null
}

const MOUNT_RE = /export\s+const\s+([A-Za-z_]\w*)\s*(?::[^=]+)?=\s*RestAPI\s*\(/g

/** [controller, function] of every RestAPI an app's controllers export. */
function restMounts(folder: string): { controller: string; fn: string }[] {
  const dir = nodePath.join(folder, 'controllers')
  const out: { controller: string; fn: string }[] = []
  let names: string[] = []
  // default.ts first: its API is the one the explorer opens on
  try { names = fs.readdirSync(dir).filter((n) => /^\w+\.ts$/.test(n)).sort((a, b) => (a === 'default.ts' ? -1 : b === 'default.ts' ? 1 : a < b ? -1 : 1)) } catch { return out }
  for (const name of names) {
    let text = ''
    try { text = fs.readFileSync(nodePath.join(dir, name), 'utf8') } catch { continue }
    for (const m of text.matchAll(MOUNT_RE)) out.push({ controller: name.slice(0, -3), fn: m[1]! })
  }
  return out
}

export function index() {
  const app = appOf()
  response.title = `API of ${app.name}`
  const docs = restMounts(app.folder).map((m) => ({ name: `${m.controller}/${m.fn}`, url: appHome(app.name, m.controller, m.fn, 'openapi.json') }))
  return {
    appName: app.name, docs,
    swaggerBase: adminUrl('apiexplorer', 'swagger'),
    crumbs: [['Site', adminUrl('default')], [`API of ${app.name}`, '']],
  }
}

export function swagger() {
  const name = String(request.args(0) ?? '')
  const type = Object.prototype.hasOwnProperty.call(SWAGGER_FILES, name) ? SWAGGER_FILES[name] : undefined
  if (!type || request.args.length !== 1) throw HTTP(404, admin.errorBody(request, 404, 'no such file'))
  const folder = swaggerFolder()
  if (!folder) throw HTTP(404, admin.errorBody(request, 404, 'swagger-ui-dist is not part of this build'))
  const file = nodePath.join(folder, name)
  response.headers['Cache-Control'] = 'private, max-age=86400'
  return response.stream(file, { contentType: type })
}
