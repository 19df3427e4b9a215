/**
 * The admin's routes page: the active routes of the site (and of each app), the problems of the
 * routes files, and the tester: a URL in → what it maps to; an URL(a, c, f, args) out → the text.
 * Everything is read from the files through dispatch's SiteRoutes, as the server reads them.
 */
import path from 'node:path'
import { AppRegistry, SiteRoutes, routesProblems } from '../dispatch'
import { newState, runInContext } from '../current'
import { isQuarkError } from '../errors'
import { URL as makeUrl } from '../html'

export interface RoutesTest {
  /** the URL path to map, e.g. /it/cart/view-item/5?x=1 */
  url?: string
  /** application/controller/function[/args...][?vars] to write with URL() */
  out?: string
  host?: string
  method?: string
  language?: string
}

export interface RoutesReport {
  file: string | undefined
  mode: 'plain' | 'routed'
  config: string
  problems: Array<[string, string]>
  /** apps with routes files of their own: name, file, settings */
  apps: Array<{ name: string; file: string; config: string }>
  in?: Record<string, unknown>
  out?: { url?: string; error?: string }
}

// one SiteRoutes per site folder: it keeps its compiled tables between page views
const sites = new Map<string, SiteRoutes>()

export function routesReport(folder: string, t: RoutesTest): RoutesReport {
  let routes = sites.get(folder)
  if (!routes) { routes = new SiteRoutes(new AppRegistry(folder)); sites.set(folder, routes) }
  const d = routes.describe()
  // each app's routes file is read (and its problem noted) before the problems are listed
  const apps: RoutesReport['apps'] = []
  for (const name of routes.registry.names()) {
    const a = routes.describeApp(name)
    if (a.file) apps.push({ name, file: path.relative(folder, a.file), config: a.config ? JSON.stringify(a.config, null, 2) : '' })
  }
  const report: RoutesReport = {
    file: d.file ? path.relative(folder, d.file) : undefined,
    mode: d.routed ? 'routed' : 'plain',
    config: d.config ? JSON.stringify(d.config, null, 2) : '',
    problems: Object.entries(routesProblems()).filter(([f]) => f === folder || f.startsWith(folder + path.sep)).map(([f, m]) => [path.relative(folder, f) || '.', m]),
    apps,
  }
  const host = t.host || 'localhost'
  if (t.url) report.in = mapIn(routes, t.url, host, t.method || 'GET')
  if (t.out) report.out = writeOut(routes, t.out, host, t.language || undefined)
  return report
}

function mapIn(routes: SiteRoutes, url: string, host: string, method: string): Record<string, unknown> {
  if (!url.startsWith('/')) return { error: "A URL path starts with '/'" }
  const q = url.indexOf('?')
  const query = q === -1 ? '' : url.slice(q + 1)
  const req = { headers: { host }, method: method.toUpperCase(), socket: { remoteAddress: '127.0.0.1' } }
  try {
    const t = routes.route(q === -1 ? url : url.slice(0, q), query, req as never)
    if (t.kind === 'action') {
      return { application: t.application, controller: t.controller, function: t.function, extension: t.extension, args: t.args,
        language: t.language, vars: Object.fromEntries(new URLSearchParams(t.query ?? query)), known: routes.registry.get(t.application) !== undefined }
    }
    if (t.kind === 'static') return { application: t.application, static: t.path }
    return { asset: t.name }
  } catch (e) {
    if (isQuarkError(e)) return { error: `${e.status} ${e.code}: ${e.message}` }
    throw e
  }
}

function writeOut(routes: SiteRoutes, spec: string, host: string, language: string | undefined): { url?: string; error?: string } {
  const q = spec.indexOf('?')
  const parts = (q === -1 ? spec : spec.slice(0, q)).replace(/^\/+/, '').split('/')
  if (parts.length < 3 || parts.slice(0, 3).some((x) => x === '')) return { error: 'Write application/controller/function[/args...][?vars]' }
  const [a, c, f] = parts as [string, string, string]
  const registry = routes.registry
  const state = newState(registry.get(a) ?? path.join(registry.applicationsFolder, a), a)
  state.request = { application: a, controller: c, function: f, host, scheme: 'http', method: 'GET', client: '127.0.0.1' }
  if (routes.isRouted()) state.urlRouter = routes
  if (language) state.uriLanguage = language
  try {
    let args: string[]
    try { args = parts.slice(3).map(decodeURIComponent) } catch { return { error: 'An argument is not valid percent-encoding' } }
    const vars = q === -1 ? undefined : Object.fromEntries(new URLSearchParams(spec.slice(q + 1)))
    return { url: runInContext(state, () => makeUrl(a, c, f, { args, vars })) }
  } catch (e) {
    if (isQuarkError(e)) return { error: `${e.code}: ${e.message}` }
    throw e
  }
}
