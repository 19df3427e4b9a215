/**
 * `quark routes`: the routes tester. A URL in → what it maps to (application, controller, function,
 * extension, args, language, vars, or the static file, or the error); an URL(...) out → the text
 * URL() writes; no argument → the active routes and any problem in the routes files.
 */
import path from 'node:path'
import { AppRegistry, SiteRoutes, routesProblems, type OutRequest } from '../dispatch'
import { newState, runInContext } from '../current'
import { isQuarkError } from '../errors'
import { URL as makeUrl } from '../html'
import { FOLDER, HELP, folderOf, type Command } from './commands'
import { QK_CLI_USAGE } from './errors'

const HOST = { name: 'host', value: true, help: 'the Host header of the request (domains); default localhost' }
const METHOD = { name: 'method', value: true, help: 'the request method (pattern routes may match on it); default GET' }
const OUT = { name: 'out', value: true, help: 'an URL() call to write: app/controller/function[.ext][/args...][?vars]' }
const LANGUAGE = { name: 'language', value: true, help: 'the language of the request that writes the URL (--out)' }
const JSON_FLAG = { name: 'json', help: 'print JSON' }

export const routesCommand: Command = {
  summary: 'test the routes: a URL in → application/controller/function/args; --out a/c/f → the URL written',
  usage: 'quark routes [<url>] [--out a/c/f/args] [--host h] [--method m] [--language l] [--json] [-f folder]',
  flags: [FOLDER, HOST, METHOD, OUT, LANGUAGE, JSON_FLAG, HELP],
  async run(p, io) {
    const folder = folderOf(p)
    const registry = new AppRegistry(folder)
    const routes = new SiteRoutes(registry)
    const info = routes.describe()
    const host = typeof p.flags.host === 'string' ? p.flags.host : 'localhost'
    const asJson = p.flags.json === true
    const print = (o: Record<string, unknown>) => {
      if (asJson) io.out(JSON.stringify(o))
      else for (const [k, v] of Object.entries(o)) if (v !== undefined) io.out(`${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    }
    if (info.problem) io.err(`quark routes: ${info.problem}`)
    if (typeof p.flags.out === 'string') {
      print({ url: writeUrl(routes, registry, p.flags.out, host, typeof p.flags.language === 'string' ? p.flags.language : undefined) })
      return info.problem ? 1 : 0
    }
    if (p.positional.length > 1) throw new QK_CLI_USAGE('quark routes takes one URL (see --help)')
    const url = p.positional[0]
    if (url === undefined) {
      print({ folder, file: info.file ?? '(none: /<app>/<controller>/<function>, defaults welcome/default/index)', mode: info.routed ? 'routed' : 'plain', config: info.config })
      const problems = routesProblems()
      for (const [f, m] of Object.entries(problems)) io.err(`quark routes: ${path.relative(folder, f) || '.'}: ${m}`)
      return Object.keys(problems).length ? 1 : 0
    }
    if (!url.startsWith('/')) throw new QK_CLI_USAGE(`a URL path starts with '/': ${url}`)
    const q = url.indexOf('?')
    const pathname = q === -1 ? url : url.slice(0, q)
    const query = q === -1 ? '' : url.slice(q + 1)
    const req = { headers: { host }, method: typeof p.flags.method === 'string' ? p.flags.method.toUpperCase() : 'GET', socket: { remoteAddress: '127.0.0.1' } }
    let t
    try { t = routes.route(pathname, query, req as never) } catch (e) {
      if (!isQuarkError(e)) throw e
      print({ status: e.status, error: `${e.code}: ${e.message}` })
      return 2
    }
    if (t.kind === 'action') {
      const vars = Object.fromEntries(new URLSearchParams(t.query ?? query))
      print({ application: t.application, controller: t.controller, function: t.function, extension: t.extension, args: t.args, language: t.language, vars })
      if (!registry.get(t.application)) print({ status: 404, error: `no application ${t.application}` })
    } else if (t.kind === 'static') {
      const appFolder = registry.get(t.application)
      print({ static: appFolder ? path.join(appFolder, 'static', t.path) : `(no application ${t.application})`, application: t.application })
    } else print({ asset: t.name })
    return 0
  },
}

/** `a/c/f.ext/arg1/arg2?x=1` → URL(a, c, f, { args, extension, vars }) in a request on `host` */
function writeUrl(routes: SiteRoutes, registry: AppRegistry, spec: string, host: string, language: string | undefined): string {
  const q = spec.indexOf('?')
  const parts = (q === -1 ? spec : spec.slice(0, q)).replace(/^\/+/, '').split('/')
  if (parts.length < 3 || parts.slice(0, 3).some((x) => x === '')) throw new QK_CLI_USAGE(`--out takes application/controller/function[/args...]: ${spec}`)
  const [a, c, f] = parts as [string, string, string]
  const vars = q === -1 ? undefined : Object.fromEntries(new URLSearchParams(spec.slice(q + 1)))
  const appFolder = registry.get(a) ?? path.join(registry.applicationsFolder, a)
  const state = newState(appFolder, a)
  const request: OutRequest & { application: string; controller: string; function: string } = { application: a, controller: c, function: f, host, scheme: 'http', method: 'GET', client: '127.0.0.1' }
  state.request = request
  if (routes.isRouted()) state.urlRouter = routes
  if (language) state.uriLanguage = language
  return runInContext(state, () => makeUrl(a, c, f, { args: parts.slice(3).map(decodeURIComponent), vars }))
}
