/**
 * The routes of one site: its routes file (routes.ts or routes.json beside applications/) and each
 * app's, compiled once per change, applied to every request (in) and by URL() (out).
 *
 * Two modes:
 * - plain: no `routers` and no pattern routes. `/<app>/<controller>/<function>` with the defaults
 *   of the routes files (`default_application`, an app's `default_controller` / `default_function`),
 *   exactly as before routes existed; only `root_static` files are added (favicon.ico, robots.txt).
 * - routed: pattern routes (`routes_in`, `routes_app` → the app's own `routes_in`) rewrite the path
 *   first, then the parameter-based router (or the plain parse, when there is no `routers`) reads it.
 *   URL() writes through `routes_out` (the first match on the full form) or else the router's
 *   shortest form.
 */
import fs from 'node:fs'
import path from 'node:path'
import type { IncomingMessage } from 'node:http'
import { throttleNow } from '../current'
import { loadRoutes, routesProblem, type RawRoutes } from './config'
import { compilePatterns, patternKey, type PatternList } from './patterns'
import { SiteRouter, checkKeys, type RouterSettings } from './router'
import { parsePath, isValidAppName, NAME, type Target } from './parse'
import type { AppRegistry } from './registry'
import { QK_ROUTES_BAD_CONFIG, QK_DISPATCH_NO_ROOT_FILE, QK_DISPATCH_BAD_ROUTE } from './errors'

/** A routed target: what the route says, plus the language prefix and the query routes_in added. */
export type RoutedTarget = Target & { language?: string; query?: string }

/** What URL() needs of the request to write a link (html/url.ts reads these fields). */
export interface OutRequest { host?: string; scheme?: string; method?: string; client?: string }

export type ErrorRoute =
  | { kind: 'file'; file: string }
  | { kind: 'redirect'; location: string }

interface Compiled {
  routed: boolean
  router: SiteRouter | undefined
  routesIn: PatternList
  routesOut: PatternList
  /** routes_app: which app's own pattern routes apply (the replacement is an app name) */
  routesApp: PatternList
  /** some pattern matches on the client's address: it is part of the kept targets' key */
  needsRemote: boolean
  /**
   * what a route depends on, so what the kept targets are keyed by: the path alone (path-only
   * patterns, no domains: no key is built), the host and path (domains), or every part a pattern
   * may match (patterns on the host, method or address, and routes_app, whose apps' own rules may be)
   */
  memoBy: 'path' | 'host' | 'all'
  /** the same for what URL() writes: the full form (and language) alone, with the request's host and scheme, or with every part */
  outBy: 'path' | 'host' | 'all'
  onError: Array<[string, string]>
  defaultApplication: string | undefined
  rootStatic: Set<string>
  /** the file it came from, for the admin and the CLI */
  file: string | undefined
  raw: RawRoutes | undefined
}

const ROOT_STATIC_DEFAULT = new Set(['favicon.ico', 'robots.txt'])
const SITE_KEYS = new Set(['routers', 'routes_in', 'routes_out', 'routes_app', 'routes_onerror', 'default_application', 'default_controller', 'default_function', 'root_static', 'error_message', 'error_message_ticket'])
const APP_FILE_KEYS = new Set(['routers', 'router', 'routes_in', 'routes_out', 'routes_onerror', 'default_controller', 'default_function', 'default_application'])

export class SiteRoutes {
  private compiled: Compiled | undefined
  private version = -1
  private pending: Compiled | undefined
  private plainDefaults: Parameters<typeof parsePath>[1]
  /**
   * Routed targets of recent (host, method, path)s, frozen and shared. Everything a route depends on
   * (the routes files, the apps, their controllers) is re-checked at most once a second, so the kept
   * targets are forgotten once a second too: the same staleness bound, one Map look-up per request.
   */
  private memo = new Map<string, RoutedTarget>()
  private memoAt = 0
  /** what URL() wrote for recent actions' full forms (a layout writes the same links on every page), kept as the targets are */
  private outMemo = new Map<string, string>()
  private outMemoAt = 0
  // made once: a closure made per call would be garbage per request
  private readonly onRead = (v: RawRoutes, file: string): void => { this.pending = this.compile(v, file) }

  constructor(readonly registry: AppRegistry) {
    this.plainDefaults = {
      application: () => this.fallbackApp(),
      controller: 'default',
      function: 'index',
      forApp: (app) => this.appLegacy(app),
    }
  }

  /** The site's routes, re-read (throttled) when the file changes; the last good ones when it is broken. */
  current(): Compiled {
    const e = loadRoutes(this.registry.folder, this.onRead)
    if (e.version !== this.version || this.compiled === undefined) {
      this.version = e.version
      // pending: compiled while this call read the file; else the file was read before (by another
      // SiteRoutes of the same folder) and its last good value is compiled here
      this.compiled = this.pending ?? this.compileOrPlain(e.value, e.file)
      this.pending = undefined
      this.memo.clear()
      this.outMemo.clear()
    }
    return this.compiled
  }

  /** the problem of the site's routes file, if it has one (the admin and `quark routes` show it) */
  problem(): string | undefined { return routesProblem(this.registry.folder) }

  appProblem(app: string): string | undefined { const f = this.registry.get(app); return f ? routesProblem(f) : undefined }

  private fallbackApp(): string {
    return this.current().defaultApplication ?? (this.registry.get('init') ? 'init' : 'welcome')
  }

  private appRoutes(app: string): { value: RawRoutes | undefined; version: number; file?: string } {
    const folder = this.registry.get(app)
    if (!folder) return NO_APP_ROUTES
    return loadRoutes(folder, (v, file) => validateAppRoutes(v, file, app, folder))
  }

  private appLegacy(app: string): { controller?: string; function?: string } | undefined {
    const v = this.appRoutes(app).value
    if (!v) return undefined
    const c = v.default_controller
    const f = v.default_function
    return { controller: typeof c === 'string' && NAME.test(c) ? c : undefined, function: typeof f === 'string' && NAME.test(f) ? f : undefined }
  }

  private compileOrPlain(v: RawRoutes | undefined, file: string | undefined): Compiled {
    try { return this.compile(v, file) } catch (e) {
      process.stderr.write(`quark: ${(e as Error).message}\n`)
      return this.compile(undefined, undefined)
    }
  }

  private compile(v: RawRoutes | undefined, file: string | undefined): Compiled {
    const where = file ?? 'routes'
    if (v) for (const k of Object.keys(v)) if (!SITE_KEYS.has(k)) throw new QK_ROUTES_BAD_CONFIG(where, `unknown key ${k} (known: ${[...SITE_KEYS].join(', ')})`)
    const da = v?.default_application
    if (da !== undefined && (typeof da !== 'string' || !isValidAppName(da))) throw new QK_ROUTES_BAD_CONFIG(where, `default_application must be an application name: ${JSON.stringify(da)}`)
    const routers = v?.routers as Record<string, unknown> | undefined
    if (routers !== undefined && (typeof routers !== 'object' || routers === null || Array.isArray(routers))) throw new QK_ROUTES_BAD_CONFIG(where, 'routers must be an object: { BASE: {...}, <app>: {...} }')
    let router: SiteRouter | undefined
    if (routers) {
      const base = checkKeys(routers.BASE, true, `${where} (routers.BASE)`)
      if (da !== undefined && base.default_application === undefined) base.default_application = da
      const perApp: Record<string, RouterSettings> = {}
      for (const [app, s] of Object.entries(routers)) if (app !== 'BASE') perApp[app] = checkKeys(s, false, `${where} (routers.${app})`)
      router = new SiteRouter(base, perApp, this.registry, (app) => {
        const r = this.appRoutes(app)
        return { settings: appRouterSettings(r.value, app), version: r.version }
      }, where)
    } else if (da !== undefined && !this.registry.get(da as string)) {
      process.stderr.write(`quark: ${where}: default_application ${da} is not installed\n`)
    }
    const onError = onErrorList(v?.routes_onerror, where)
    const rs = v?.root_static
    if (rs !== undefined && !(Array.isArray(rs) && rs.every((x) => typeof x === 'string' && /^[\w-][\w.-]*$/.test(x)))) throw new QK_ROUTES_BAD_CONFIG(where, 'root_static must be a list of file names')
    const routesIn = compilePatterns(`${where} (routes_in)`, v?.routes_in)
    const routesOut = compilePatterns(`${where} (routes_out)`, v?.routes_out)
    const routesApp = compilePatterns(`${where} (routes_app)`, v?.routes_app)
    const pathOnly = routesApp.length === 0 && routesIn.rules.every((r) => r.source.startsWith('/') || r.source.startsWith('^/'))
    return {
      routed: router !== undefined || routesIn.length > 0 || routesOut.length > 0 || routesApp.length > 0,
      router, routesIn, routesOut, routesApp, onError,
      needsRemote: [...routesIn.rules, ...routesApp.rules].some((r) => !r.source.startsWith('/') && !r.source.startsWith('^/') && !/^\^?\.\*\??:/.test(r.source)),
      memoBy: !pathOnly ? 'all' : router !== undefined && router.domains.size > 0 ? 'host' : 'path',
      outBy: routesApp.length > 0 || !routesOut.rules.every((r) => r.source.startsWith('/') || r.source.startsWith('^/')) ? 'all'
        : router !== undefined && router.domains.size > 0 ? 'host' : 'path',
      defaultApplication: (router?.defaultApplication ?? da) as string | undefined,
      rootStatic: router ? router.rootStatic : rs ? new Set(rs as string[]) : ROOT_STATIC_DEFAULT,
      file, raw: v,
    }
  }

  /** Whether URL() must go through the routes (state.urlRouter is set only then). */
  isRouted(): boolean { return this.current().routed }

  /** incoming: the request's path → target; throws 400 / 404 QuarkErrors */
  route(pathname: string, query: string, req: IncomingMessage): RoutedTarget {
    const c = this.current()
    if (!c.routed) return this.plain(c, pathname)
    const host = req.headers.host ?? 'localhost'
    const memoKey = c.memoBy === 'path' ? pathname : c.memoBy === 'host' ? host + ' ' + pathname
      : (c.needsRemote ? (req.socket.remoteAddress ?? '') + ' ' : '') + host + ' ' + (req.method ?? 'GET') + ' ' + pathname
    const now = throttleNow()
    // Stryker disable next-line ConditionalExpression,EqualityOperator: how long kept targets live is the re-check period (a cost choice)
    if (now - this.memoAt >= 1000 || this.memo.size >= 4096) { this.memo.clear(); this.memoAt = now }
    const known = this.memo.get(memoKey)
    if (known !== undefined) return known
    const t = this.routeUncached(c, pathname, query, host, req)
    if (t.query === undefined) {
      if (t.kind === 'action') Object.freeze(t.args)
      this.memo.set(memoKey, Object.freeze(t))
    }
    return t
  }

  private routeUncached(c: Compiled, pathname: string, query: string, host: string, req: IncomingMessage): RoutedTarget {
    let p = pathname
    let q = query
    if (c.routesIn.length || c.routesApp.length) {
      // the match key is made only when a rule's literal start fits the path
      let key: string | undefined
      const keyOf = (): string => (key ??= patternKey(req.socket.remoteAddress ?? '', req.socket && (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http', hostOnly(host), req.method ?? 'GET', pathname))
      let rules = c.routesIn
      const app = c.routesApp.length ? c.routesApp.apply(pathname, keyOf) : undefined
      if (app !== undefined) {
        const own = this.appRoutes(app).value
        rules = own ? compiledAppRules(this.registry.get(app)!, own).routesIn : rules
      }
      const rewritten = rules.apply(pathname, keyOf)
      if (rewritten !== undefined) {
        const i = rewritten.indexOf('?')
        p = i === -1 ? rewritten : rewritten.slice(0, i)
        if (i !== -1) q = rewritten.slice(i + 1) + (q ? '&' + q : '')
        if (!p.startsWith('/')) throw new QK_DISPATCH_BAD_ROUTE(`routes_in gave ${rewritten}`)
        // a rewritten path is checked as strictly as a requested one: no way out through '..' or encoded slashes
        if (/(^|\/)\.\.?(\/|$)|%2f|%5c|\\/i.test(p)) throw new QK_DISPATCH_BAD_ROUTE(p)
      }
    }
    const t: RoutedTarget = c.router ? c.router.incoming(p, host, () => this.fallbackApp()) : this.plain(c, p)
    if (q !== query) return { ...t, query: q }
    return t
  }

  private plain(c: Compiled, pathname: string): Target {
    // /favicon.ico, /robots.txt: from the default application's static/ (a 404 when it has none)
    const slash = pathname.lastIndexOf('/')
    if (slash === 0 && pathname.includes('.')) {
      const name = pathname.slice(1)
      if (c.rootStatic.has(name)) return { kind: 'static', application: this.fallbackApp(), path: name }
      throw new QK_DISPATCH_NO_ROOT_FILE(name)
    }
    return parsePath(pathname, this.plainDefaults)
  }

  /**
   * URL() → the path as the routes write it: routes_out on the full form first, else the router's
   * shortest form, else the full form. `full` is `/a/c/f[.ext]/args` already quoted.
   */
  outgoing(a: string, c: string, f: string, ext: string | undefined, args: readonly string[], full: string, req: OutRequest | undefined, language: string | undefined): string {
    const k = this.current()
    const key = this.outKey(k, full, req, language)
    const known = this.outKnown(key)
    if (known !== undefined) return known
    const host = req?.host ?? 'localhost'
    let out: string | undefined
    const rules = this.outRules(k, a)
    if (rules.length) out = rules.apply(full, () => patternKey(req?.client ?? '', req?.scheme ?? 'http', hostOnly(host), req?.method ?? 'GET', full))
    if (out === undefined && !k.router) out = full
    if (out === undefined) {
      const o = k.router!.outgoing(a, c, f, ext, args, host, language)
      out = o.host ? (req?.scheme ?? 'http') + '://' + o.host + o.path : o.path
    }
    // Stryker disable next-line ConditionalExpression,EqualityOperator: the bound only decides when kept links are forgotten
    if (this.outMemo.size < 4096) this.outMemo.set(key, out)
    return out
  }

  outgoingStatic(a: string, file: string, full: string, req: OutRequest | undefined, language?: string): string {
    // not kept like actions' links: written out it is cheaper than a key for it
    const k = this.current()
    const rules = this.outRules(k, a)
    if (rules.length) {
      const out = rules.apply(full, () => patternKey(req?.client ?? '', req?.scheme ?? 'http', hostOnly(req?.host ?? 'localhost'), req?.method ?? 'GET', full))
      if (out !== undefined) return out
    }
    if (!k.router) return full
    const o = k.router.outgoingStatic(a, file, req?.host ?? 'localhost', language)
    return o.host ? (req?.scheme ?? 'http') + '://' + o.host + o.path : o.path
  }

  /** what a written link depends on besides the full form (see outBy); no string is built for the usual case */
  private outKey(k: Compiled, full: string, req: OutRequest | undefined, language: string | undefined): string {
    let key = language === undefined ? full : full + '\0' + language
    if (k.outBy !== 'path') key += '\0' + (req?.scheme ?? 'http') + '\0' + (req?.host ?? 'localhost')
    if (k.outBy === 'all') key += '\0' + (req?.method ?? 'GET') + '\0' + (req?.client ?? '')
    return key
  }

  /** a link written in the last second (the routes, apps and controllers are re-checked as often) */
  private outKnown(key: string): string | undefined {
    const now = throttleNow()
    // Stryker disable next-line ConditionalExpression,EqualityOperator: how long kept links live is the re-check period (a cost choice)
    if (now - this.outMemoAt >= 1000) { this.outMemo.clear(); this.outMemoAt = now }
    return this.outMemo.get(key)
  }

  /** the router's path_prefix ('' without one): every link Quark writes outside URL() starts with it */
  pathPrefix(): string { return this.current().router?.pathPrefix ?? '' }

  /** the app's own routes_out when routes_app is in use and it has some, else the site's */
  private outRules(k: Compiled, app: string): PatternList {
    if (k.routesApp.length) {
      const own = this.appRoutes(app).value
      const folder = this.registry.get(app)
      if (own && folder) { const r = compiledAppRules(folder, own).routesOut; if (r.length) return r }
    }
    return k.routesOut
  }

  /**
   * routes_onerror: the page for an error of `status` in `app`, tried as `app/status`, `app/*`,
   * `* /status`, `* /*` in the app's routes file, then the site's. A file under an app's static/ is
   * sent with the original status; anything else is a redirect with code, ticket and requested_uri.
   */
  errorRoute(app: string | undefined, status: number, requestUri: string, ticket?: string): ErrorRoute | undefined {
    const k = this.current()
    const own = app ? this.appRoutes(app).value : undefined
    const lists = [own ? onErrorList(own.routes_onerror, app!) : [], k.onError]
    if (!lists[0]!.length && !lists[1]!.length) return undefined
    const keys = app ? [`${app}/${status}`, `${app}/*`, `*/${status}`, '*/*'] : [`*/${status}`, '*/*']
    for (const list of lists) {
      for (const key of keys) {
        const hit = list.find(([k0]) => k0 === key)
        if (!hit) continue
        const target = hit[1]
        const [tpath] = target.split('?')
        // never send a client to the page that failed
        if (tpath === requestUri.split('?')[0]) return undefined
        const m = /^\/(\w+)\/static\/(.+)$/.exec(tpath!)
        if (m) {
          const folder = this.registry.get(m[1]!)
          if (!folder) return undefined
          const file = safeStaticFile(path.join(folder, 'static'), m[2]!)
          return file ? { kind: 'file', file } : undefined
        }
        const sep = target.includes('?') ? '&' : '?'
        return { kind: 'redirect', location: `${target}${sep}code=${status}&ticket=${encodeURIComponent(ticket ?? 'None')}&requested_uri=${encodeURIComponent(requestUri)}` }
      }
    }
    return undefined
  }

  /** An app's own routes file, its settings and its problem (the admin's routes page). */
  describeApp(app: string): { file: string | undefined; config: RawRoutes | undefined; problem: string | undefined } {
    const r = this.appRoutes(app)
    return { file: r.file, config: r.value, problem: this.appProblem(app) }
  }

  /** What the admin and `quark routes` show: the file and its settings. */
  describe(): { file: string | undefined; routed: boolean; config: RawRoutes | undefined; problem: string | undefined } {
    const k = this.current()
    return { file: k.file, routed: k.routed, config: k.raw, problem: this.problem() }
  }
}

const NO_APP_ROUTES = { value: undefined, version: -1 }

function hostOnly(host: string): string {
  const h = host.toLowerCase()
  const colon = h.lastIndexOf(':')
  return colon > 0 && !h.endsWith(']') ? h.slice(0, colon) : h
}

function onErrorList(v: unknown, where: string): Array<[string, string]> {
  if (v === undefined || v === null) return []
  const pairs = Array.isArray(v) ? v : typeof v === 'object' ? Object.entries(v as object) : undefined
  if (!pairs) throw new QK_ROUTES_BAD_CONFIG(where, 'routes_onerror must be a list of [app/status, target] pairs')
  for (const p of pairs) {
    if (!Array.isArray(p) || typeof p[0] !== 'string' || typeof p[1] !== 'string' || !/^(\w+|\*)\/(\d{3}|\*)$/.test(p[0]) || !p[1].startsWith('/')) {
      throw new QK_ROUTES_BAD_CONFIG(where, `routes_onerror: each entry is ["app/status" (or "*"), "/path"]: ${JSON.stringify(p)}`)
    }
  }
  return pairs as Array<[string, string]>
}

/** the router settings an app's own routes file gives: `router`, or `routers.BASE` / `routers.<app>` */
function appRouterSettings(v: RawRoutes | undefined, app: string): RouterSettings | undefined {
  if (!v) return undefined
  const routers = v.routers as Record<string, RouterSettings> | undefined
  const s = (v.router as RouterSettings | undefined) ?? routers?.[app] ?? routers?.BASE
  if (!s && (v.default_controller !== undefined || v.default_function !== undefined)) {
    const out: RouterSettings = {}
    if (v.default_controller !== undefined) out.default_controller = v.default_controller
    if (v.default_function !== undefined) out.default_function = v.default_function
    return out
  }
  return s
}

function validateAppRoutes(v: RawRoutes, file: string, app: string, folder: string): void {
  for (const k of Object.keys(v)) if (!APP_FILE_KEYS.has(k)) throw new QK_ROUTES_BAD_CONFIG(file, `unknown key ${k} (known: ${[...APP_FILE_KEYS].join(', ')})`)
  const s = appRouterSettings(v, app)
  if (s) checkKeys(s, false, file)
  onErrorList(v.routes_onerror, file)
  compiledAppRules(file, v)
}

// an app's own pattern routes, compiled once per version of its routes file
const appRules = new WeakMap<RawRoutes, { routesIn: PatternList; routesOut: PatternList }>()
function compiledAppRules(where: string, v: RawRoutes): { routesIn: PatternList; routesOut: PatternList } {
  let r = appRules.get(v)
  if (r === undefined) {
    r = { routesIn: compilePatterns(`${where} (routes_in)`, v.routes_in), routesOut: compilePatterns(`${where} (routes_out)`, v.routes_out) }
    appRules.set(v, r)
  }
  return r
}

/** a file under `root`, never outside it (no '..', no symlink out) */
function safeStaticFile(root: string, rel: string): string | undefined {
  if (rel.split('/').some((s) => s === '..' || s === '.' || s === '' || s.includes('\\'))) return undefined
  try {
    const realRoot = fs.realpathSync(root)
    const file = fs.realpathSync(path.join(realRoot, rel))
    if (!file.startsWith(realRoot + path.sep) || !fs.statSync(file).isFile()) return undefined
    return file
  } catch { return undefined }
}

