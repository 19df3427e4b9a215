/**
 * web2py's parameter-based router (`routers`), compiled once per routes change.
 *
 * In:  [path_prefix] [application] [language] (static/<file> | [controller] [function[.ext]] [args...])
 *      where each bracketed part may be omitted when it is the default and the URL stays unambiguous
 *      (a segment that names a known application / controller / function is taken as that).
 * Out: the shortest form that maps back to the same application, controller, function and args.
 *
 * Settings (BASE for the site, routers.<app> or the app's own routes file for one app):
 * default_application, applications ('ALL' | names), default_controller, controllers ('DEFAULT' |
 * names), default_function (a name, or controller → name), functions (names of the default
 * controller, or controller → names), domains (host[:port] → app[/controller[/function]]),
 * exclusive_domain, default_language, languages, root_static, map_static, map_hyphen, path_prefix,
 * acfe_match, file_match, args_match.
 */
import fs from 'node:fs'
import path from 'node:path'
import { throttleNow } from '../current'
import { NAME, type Target } from './parse'
import { QK_ROUTES_BAD_CONFIG, QK_DISPATCH_BAD_ROUTE, QK_DISPATCH_NOT_FOUND, QK_DISPATCH_BAD_ARG } from './errors'

export type RouterSettings = Record<string, unknown>

export interface Domain { application: string; controller?: string; function?: string }

/** What the router needs of the site (the app registry). */
export interface AppLookup {
  get(name: string): string | undefined
  names(): string[]
}

const DEFAULT_ROOT_STATIC = ['favicon.ico', 'robots.txt']

/** The router settings of one app, BASE and the app's own merged, with the name sets made. */
export class AppRouter {
  readonly defaultController: string
  readonly defaultFunction: string | Record<string, string>
  readonly controllersSetting: 'DEFAULT' | string[]
  /** controller → its known functions (absent: function names are not known) */
  readonly functions: Map<string, Set<string>>
  readonly defaultLanguage: string | undefined
  readonly languages: Set<string>
  readonly mapHyphen: boolean
  readonly mapStatic: boolean | undefined
  readonly acfe: RegExp
  readonly file: RegExp
  readonly args: RegExp
  /** the version of the app's routes file it was made from */
  version = -1
  private controllerSet: Set<string> | undefined
  private controllersStamp = -2
  private checkedAt = 0

  constructor(readonly name: string, readonly folder: string, s: RouterSettings, where: string) {
    this.defaultController = nameSetting(s, 'default_controller', where) ?? 'default'
    const df = s.default_function
    if (df !== undefined && typeof df === 'object' && df !== null && !Array.isArray(df)) {
      for (const [c, f] of Object.entries(df)) if (typeof f !== 'string' || !NAME.test(f)) throw new QK_ROUTES_BAD_CONFIG(where, `default_function.${c} must be a name`)
      this.defaultFunction = df as Record<string, string>
    } else this.defaultFunction = nameSetting(s, 'default_function', where) ?? 'index'
    const cs = s.controllers ?? 'DEFAULT'
    if (cs !== 'DEFAULT' && !isNameList(cs)) throw new QK_ROUTES_BAD_CONFIG(where, `controllers must be 'DEFAULT' or a list of names`)
    this.controllersSetting = cs as 'DEFAULT' | string[]
    this.functions = new Map()
    const fs0 = s.functions
    if (Array.isArray(fs0)) {
      if (!isNameList(fs0)) throw new QK_ROUTES_BAD_CONFIG(where, 'functions must be a list of names or controller → list of names')
      this.functions.set(this.defaultController, new Set(fs0))
    } else if (fs0 && typeof fs0 === 'object') {
      for (const [c, list] of Object.entries(fs0)) {
        if (!isNameList(list)) throw new QK_ROUTES_BAD_CONFIG(where, `functions.${c} must be a list of names`)
        this.functions.set(c, new Set(list))
      }
    } else if (fs0 !== undefined) throw new QK_ROUTES_BAD_CONFIG(where, 'functions must be a list of names or controller → list of names')
    const langs = s.languages ?? []
    if (!isNameList(langs, /^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/)) throw new QK_ROUTES_BAD_CONFIG(where, 'languages must be a list of language codes (it, pt-br)')
    this.languages = new Set(langs as string[])
    const dl = s.default_language
    if (dl !== undefined && typeof dl !== 'string') throw new QK_ROUTES_BAD_CONFIG(where, 'default_language must be a language code')
    this.defaultLanguage = dl as string | undefined
    this.mapHyphen = s.map_hyphen === true
    this.mapStatic = s.map_static === undefined || s.map_static === null ? undefined : s.map_static === true
    this.acfe = regexSetting(s, 'acfe_match', '^\\w+$', where)
    this.file = regexSetting(s, 'file_match', '^([-+=@$%\\w]|(?<=[-+=@$%\\w])[./])*$', where)
    this.args = regexSetting(s, 'args_match', '^([\\w@ -]|(?<=[\\w@ -])[.=])*$', where)
  }

  /** the app's controllers: the configured list, or (DEFAULT) the files of controllers/, re-read when the folder changes */
  controllers(): Set<string> {
    if (this.controllersSetting !== 'DEFAULT') return (this.controllerSet ??= new Set(this.controllersSetting))
    // an app that is not installed has no controllers (never read a folder relative to the working directory)
    if (!this.folder) return (this.controllerSet ??= new Set())
    const now = throttleNow()
    // Stryker disable next-line ConditionalExpression,EqualityOperator: how often the folder is stat'ed is a cost choice
    if (this.controllerSet !== undefined && now - this.checkedAt < 1000) return this.controllerSet
    this.checkedAt = now
    const dir = path.join(this.folder, 'controllers')
    const st = fs.statSync(dir, { throwIfNoEntry: false })
    const stamp = st ? st.mtimeMs : -1
    if (this.controllerSet === undefined || stamp !== this.controllersStamp) {
      this.controllersStamp = stamp
      let names: string[] = []
      try { names = fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')).map((f) => f.slice(0, -3)).filter((n) => NAME.test(n)) } catch { /* no controllers */ }
      this.controllerSet = new Set(names)
    }
    return this.controllerSet
  }

  /** names → URL (underscores → hyphens) and back, when map_hyphen is on */
  hy(s: string): string { return this.mapHyphen ? s.replace(/_/g, '-') : s }
  hyphenIn(s: string): string { return this.mapHyphen ? s.replace(/-/g, '_') : s }

  defaultFunctionOf(controller: string): string {
    return typeof this.defaultFunction === 'string' ? this.defaultFunction : this.defaultFunction[controller] ?? 'index'
  }
}

function nameSetting(s: RouterSettings, key: string, where: string): string | undefined {
  const v = s[key]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string' || !NAME.test(v)) throw new QK_ROUTES_BAD_CONFIG(where, `${key} must be a name ([A-Za-z0-9_]): ${JSON.stringify(v)}`)
  return v
}

function isNameList(v: unknown, re: RegExp = NAME): v is string[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'string' && re.test(x))
}

function regexSetting(s: RouterSettings, key: string, dflt: string, where: string): RegExp {
  const v = s[key] ?? dflt
  if (typeof v !== 'string') throw new QK_ROUTES_BAD_CONFIG(where, `${key} must be a regular expression (a string)`)
  let src = v.replace(/\(\?P</g, '(?<')
  if (!src.startsWith('^')) src = '^' + src
  if (!src.endsWith('$')) src += '$'
  try { return new RegExp(src) } catch (e) { throw new QK_ROUTES_BAD_CONFIG(where, `${key} is not a valid regular expression: ${(e as Error).message}`) }
}

const APP_KEYS = new Set(['default_controller', 'controllers', 'default_function', 'functions', 'default_language', 'languages',
  'map_static', 'map_hyphen', 'acfe_match', 'file_match', 'args_match', 'root_static'])
const BASE_KEYS = new Set([...APP_KEYS, 'default_application', 'applications', 'domains', 'exclusive_domain', 'path_prefix'])

/** Checks the keys of a router section (BASE or an app's): a misspelt key is an error, not a silent default. */
export function checkKeys(s: unknown, base: boolean, where: string): RouterSettings {
  if (s === undefined || s === null) return {}
  if (typeof s !== 'object' || Array.isArray(s)) throw new QK_ROUTES_BAD_CONFIG(where, 'a router must be an object of settings')
  for (const k of Object.keys(s)) {
    if (!(base ? BASE_KEYS : APP_KEYS).has(k)) throw new QK_ROUTES_BAD_CONFIG(where, `unknown router setting ${k}${!base && BASE_KEYS.has(k) ? ' (a BASE setting)' : ''}`)
  }
  return s as RouterSettings
}

/** The site-wide part: BASE settings, domains, applications; per-app routers made on first use. */
export class SiteRouter {
  readonly defaultApplication: string | undefined
  readonly applicationsSetting: 'ALL' | string[]
  readonly domains: Map<string, Domain>
  /** app → its (first) domain host, for exclusive_domain links */
  readonly domainOfApp: Map<string, string>
  readonly exclusiveDomain: boolean
  readonly pathPrefix: string
  readonly rootStatic: Set<string>
  readonly mapHyphen: boolean
  private appRouters = new Map<string, AppRouter>()
  private appNames: Set<string> | undefined
  private appNamesAt = 0

  constructor(readonly base: RouterSettings, readonly perApp: Record<string, RouterSettings>, readonly apps: AppLookup,
    readonly appSettings: (app: string) => { settings: RouterSettings | undefined; version: number }, readonly where: string) {
    this.defaultApplication = nameSetting(base, 'default_application', where)
    const as = base.applications ?? 'ALL'
    if (as !== 'ALL' && !isNameList(as)) throw new QK_ROUTES_BAD_CONFIG(where, `applications must be 'ALL' or a list of names`)
    this.applicationsSetting = as as 'ALL' | string[]
    this.domains = new Map()
    this.domainOfApp = new Map()
    const ds = base.domains ?? {}
    if (typeof ds !== 'object' || Array.isArray(ds)) throw new QK_ROUTES_BAD_CONFIG(where, 'domains must map host[:port] to application[/controller[/function]]')
    for (const [host, to] of Object.entries(ds as Record<string, unknown>)) {
      const parts = typeof to === 'string' ? to.split('/') : []
      if (parts.length < 1 || parts.length > 3 || !parts.every((p) => NAME.test(p))) throw new QK_ROUTES_BAD_CONFIG(where, `domains.${host} must be application[/controller[/function]]: ${JSON.stringify(to)}`)
      if (!/^[a-z0-9.-]+(:\d+)?$/i.test(host)) throw new QK_ROUTES_BAD_CONFIG(where, `domains: not a host[:port]: ${JSON.stringify(host)}`)
      this.domains.set(host.toLowerCase(), { application: parts[0]!, controller: parts[1], function: parts[2] })
      if (!this.domainOfApp.has(parts[0]!)) this.domainOfApp.set(parts[0]!, host.toLowerCase())
    }
    this.exclusiveDomain = base.exclusive_domain === true
    const pp = base.path_prefix ?? ''
    if (typeof pp !== 'string' || !/^(\/?[\w.-]+)*\/?$/.test(pp)) throw new QK_ROUTES_BAD_CONFIG(where, `path_prefix must be a path such as /prefix: ${JSON.stringify(pp)}`)
    this.pathPrefix = pp.replace(/^\/*/, '/').replace(/\/+$/, '')
    const rs = base.root_static ?? DEFAULT_ROOT_STATIC
    if (!Array.isArray(rs) || !rs.every((f) => typeof f === 'string' && /^[\w.-]+$/.test(f) && !f.startsWith('.'))) throw new QK_ROUTES_BAD_CONFIG(where, 'root_static must be a list of file names')
    this.rootStatic = new Set(rs as string[])
    this.mapHyphen = base.map_hyphen === true
    // every application the routes name must exist
    const named = new Set<string>([...(this.defaultApplication ? [this.defaultApplication] : []), ...[...this.domains.values()].map((d) => d.application),
      ...(this.applicationsSetting === 'ALL' ? [] : this.applicationsSetting), ...Object.keys(perApp)])
    for (const a of named) if (!apps.get(a)) throw new QK_ROUTES_BAD_CONFIG(where, `the router names an application that does not exist: ${a}`)
    // compile BASE's app settings and every app section now, so a bad one is reported at load
    new AppRouter('', '', pick(base, APP_KEYS), where)
    for (const a of Object.keys(perApp)) this.app(a)
  }

  /** the router of app `name` (BASE merged with routers.<name> and the app's own routes file) */
  app(name: string): AppRouter {
    const own = this.appSettings(name)
    let r = this.appRouters.get(name)
    if (r === undefined || r.version !== own.version) {
      const folder = this.apps.get(name) ?? ''
      r = new AppRouter(name, folder, { ...pick(this.base, APP_KEYS), ...this.perApp[name], ...own.settings }, `${this.where} (router of ${name})`)
      r.version = own.version
      if (this.appRouters.size < 10000) this.appRouters.set(name, r)
    }
    return r
  }

  isApplication(name: string): boolean {
    if (this.applicationsSetting !== 'ALL') return this.applicationsSetting.includes(name)
    // the names refreshed once a second: asking the registry for a name that is no app stats the disk
    return this.applicationNames().has(name)
  }

  /** the application names (for the collision checks of the outgoing side), refreshed once a second */
  applicationNames(): Set<string> {
    if (this.applicationsSetting !== 'ALL') return (this.appNames ??= new Set(this.applicationsSetting))
    const now = throttleNow()
    // Stryker disable next-line ConditionalExpression,EqualityOperator: a cost choice
    if (this.appNames === undefined || now - this.appNamesAt > 1000) { this.appNames = new Set(this.apps.names()); this.appNamesAt = now }
    return this.appNames
  }

  domainFor(host: string): Domain | undefined {
    if (this.domains.size === 0) return undefined
    const h = host.toLowerCase()
    const d = this.domains.get(h)
    if (d !== undefined) return d
    const colon = h.lastIndexOf(':')
    return colon > 0 && !h.endsWith(']') ? this.domains.get(h.slice(0, colon)) : undefined
  }

  /** The default application for a request on `host`. */
  defaultAppFor(host: string): string | undefined {
    return this.domainFor(host)?.application ?? this.defaultApplication
  }

  /** path (after routes_in, prefix included) → target; throws 400 / 404 QuarkErrors. */
  incoming(pathname: string, host: string, fallbackApp: () => string): Target & { language?: string } {
    let p = pathname
    // Quark's own assets (/_quark/...) are found with or without the prefix: layouts link them at the root
    if (p.startsWith('/_quark/')) return { kind: 'asset', name: p.slice(8) }
    if (this.pathPrefix) {
      if (p !== this.pathPrefix && !p.startsWith(this.pathPrefix + '/')) throw new QK_DISPATCH_NOT_FOUND(pathname)
      p = p.slice(this.pathPrefix.length)
    }
    const segs = p.split('/')
    segs.shift()
    while (segs.length && segs[segs.length - 1] === '') segs.pop()
    const domain = this.domainFor(host)
    if (segs.length === 1 && this.rootStatic.has(segs[0]!)) return { kind: 'static', application: domain?.application ?? this.defaultApplication ?? fallbackApp(), path: segs[0]! }
    if (segs[0] === '_quark') return { kind: 'asset', name: segs.slice(1).join('/') }
    // the application
    const a0 = segs.length ? this.hyphen(segs[0]!) : ''
    let app: string
    let fromDomain = false
    if (domain && this.exclusiveDomain) { app = domain.application; fromDomain = true }
    else if (a0 && this.isApplication(a0)) { app = a0; segs.shift() }
    else if (domain) { app = domain.application; fromDomain = true }
    else app = this.defaultApplication ?? fallbackApp()
    if (this.exclusiveDomain && !fromDomain && this.domainOfApp.has(app) && !(domain && domain.application === app)) throw new QK_DISPATCH_NOT_FOUND(pathname)
    const r = this.app(app)
    if (!r.acfe.test(app)) throw new QK_DISPATCH_BAD_ROUTE('application ' + app)
    // the language
    let language = r.defaultLanguage
    if (segs.length && r.languages.has(segs[0]!)) language = segs.shift()
    // static; with map_static false the language follows it (/app/static/it/file), as URL() writes it then
    if (segs[0] === 'static') {
      segs.shift()
      if (r.mapStatic === false && segs.length > 1 && r.languages.has(segs[0]!)) language = segs.shift()
      for (const s of segs) if (!r.file.test(s) || s === '..' || s === '.') throw new QK_DISPATCH_BAD_ROUTE('file ' + s)
      return { kind: 'static', application: app, path: staticForLanguage(r, segs.join('/'), language) }
    }
    // the controller
    const c0 = segs.length ? r.hyphenIn(segs[0]!) : ''
    let controller: string
    if (!c0 || !r.controllers().has(c0)) controller = (fromDomain && domain!.controller) || r.defaultController
    else { controller = c0; segs.shift() }
    // the function and extension
    const known = r.functions.get(controller)
    let fn = (fromDomain && domain!.controller === controller && domain!.function) || r.defaultFunctionOf(controller)
    let extension = 'html'
    if (segs.length) {
      const f0 = segs[0]!
      const dot = f0.indexOf('.')
      const name = r.hyphenIn(dot === -1 ? f0 : f0.slice(0, dot))
      if (!known || known.has(name)) {
        fn = name
        if (dot !== -1) extension = f0.slice(dot + 1)
        segs.shift()
      }
    }
    if (!r.acfe.test(controller)) throw new QK_DISPATCH_BAD_ROUTE('controller ' + controller)
    if (!r.acfe.test(fn)) throw new QK_DISPATCH_BAD_ROUTE('function ' + fn)
    if (!r.acfe.test(extension)) throw new QK_DISPATCH_BAD_ROUTE('extension ' + extension)
    const args: string[] = []
    for (const raw of segs) {
      let a: string
      try { a = raw.includes('%') ? decodeURIComponent(raw) : raw } catch { throw new QK_DISPATCH_BAD_ARG(raw) }
      if (!r.args.test(a)) throw new QK_DISPATCH_BAD_ROUTE('argument ' + a)
      args.push(a)
    }
    return { kind: 'action', application: app, controller, function: fn, extension, args, language }
  }

  private hyphen(s: string): string {
    return this.mapHyphen ? s.replace(/-/g, '_') : s
  }

  /**
   * The outgoing path of /a/c/f[.ext]/args (args already quoted), the shortest that `incoming`
   * maps back to the same; `language` is the request's (kept unless it is the default).
   * `host` is set when the app is reachable only on its own domain (exclusive_domain) and the
   * request is on another: the caller writes an absolute URL.
   */
  outgoing(a: string, c: string, f: string, ext: string | undefined, args: readonly string[], host: string, language: string | undefined): { path: string; host?: string } {
    const r = this.app(a)
    let onHost = this.domainFor(host)
    let otherHost: string | undefined
    if (this.exclusiveDomain && this.domainOfApp.has(a) && onHost?.application !== a) {
      otherHost = this.domainOfApp.get(a)!
      onHost = this.domains.get(otherHost)
    }
    // on an exclusive domain the path never names the app: incoming ignores it
    const exclusiveHere = this.exclusiveDomain && onHost !== undefined
    const apps = exclusiveHere ? NO_NAMES : this.applicationNames()
    const controllers = r.controllers()
    const fns = r.functions.get(c)
    const htmlExt = ext === undefined || ext === 'html'
    const a0 = args.length ? r.hyphenIn(args[0]!) : undefined
    const build = (fromDomain: boolean): { omitA: boolean; parts: string[] } => {
      const dC = (fromDomain && onHost!.controller) || r.defaultController
      const dF = (fromDomain && onHost!.controller === c && onHost!.function) || r.defaultFunctionOf(c)
      const omitF = htmlExt && f === dF && (a0 === undefined || (fns !== undefined && !fns.has(a0)))
      const first = omitF ? a0 : f
      // a segment left after an omitted controller must not read as a controller or static/
      const omitC = c === dC && !(first !== undefined && (controllers.has(first) || first === 'static'))
      const parts: string[] = []
      if (!omitC) parts.push(r.hy(c))
      if (!omitF) parts.push(r.hy(f) + (htmlExt ? '' : '.' + ext))
      for (const x of args) parts.push(x)
      let lang = language !== undefined && r.languages.has(language) && language !== r.defaultLanguage ? language : undefined
      // with no language written, the next segment must not read as one
      if (lang === undefined && parts.length && r.languages.has(parts[0]!) && r.defaultLanguage !== undefined) lang = r.defaultLanguage
      if (lang !== undefined) parts.unshift(lang)
      const defaultApp = onHost?.application ?? this.defaultApplication
      const omitA = exclusiveHere ? onHost!.application === a
        : a === defaultApp && !(parts.length && (apps.has(this.hyphenOf(parts[0]!)) || (parts.length === 1 && this.rootStatic.has(parts[0]!))))
      if (!omitA) parts.unshift(this.hy(a))
      return { omitA, parts }
    }
    let out = build(onHost?.application === a)
    if (!out.omitA && onHost?.application === a && (onHost.controller !== undefined)) out = build(false)
    const p = this.pathPrefix + '/' + out.parts.join('/')
    return otherHost ? { path: p, host: withPort(otherHost, host) } : { path: p }
  }

  /**
   * /a/static/file written out, as web2py's map_static says:
   * - true: the default app is left out, and the language is written only when it is not the default
   *   (/it/static/file);
   * - undefined (web2py's None): the app is always written, and the request's language always
   *   (/app/it/static/file, so a proxy can serve static files without knowing the defaults);
   * - false: the same, with the language after static (/app/static/it/file, a plain folder for a proxy).
   * An app reachable only through its own domain is written with that domain's host from elsewhere.
   */
  outgoingStatic(a: string, file: string, host: string, language: string | undefined): { path: string; host?: string } {
    const r = this.app(a)
    let onHost = this.domainFor(host)
    let otherHost: string | undefined
    if (this.exclusiveDomain && this.domainOfApp.has(a) && onHost?.application !== a) {
      otherHost = this.domainOfApp.get(a)!
      onHost = this.domains.get(otherHost)
    }
    const exclusiveHere = this.exclusiveDomain && onHost !== undefined && onHost.application === a
    const lang = language !== undefined && r.languages.has(language) ? language : undefined
    let p: string
    if (r.mapStatic === true) {
      const omitA = exclusiveHere || (a === (onHost?.application ?? this.defaultApplication) && !this.isApplication('static'))
      p = (omitA ? '' : '/' + this.hy(a)) + (lang !== undefined && lang !== r.defaultLanguage ? '/' + lang : '') + '/static/' + file
    } else {
      const app = exclusiveHere ? '' : '/' + this.hy(a)
      p = lang === undefined ? app + '/static/' + file : r.mapStatic === false ? app + '/static/' + lang + '/' + file : app + '/' + lang + '/static/' + file
    }
    return otherHost ? { path: this.pathPrefix + p, host: withPort(otherHost, host) } : { path: this.pathPrefix + p }
  }

  private hy(s: string): string { return this.mapHyphen ? s.replace(/_/g, '-') : s }
  private hyphenOf(s: string): string { return this.mapHyphen ? s.replace(/-/g, '_') : s }
}

const NO_NAMES: ReadonlySet<string> = new Set()

/** a domain without a port, linked from a request on host:port, keeps that port (a site on :8000 stays there) */
function withPort(domain: string, requestHost: string): string {
  if (/:\d+$/.test(domain)) return domain
  const m = /:(\d+)$/.exec(requestHost)
  return m && !requestHost.endsWith(']') ? domain + ':' + m[1] : domain
}

/**
 * web2py's language-specific static files: with a language in the URL, static/<lang>/<file> when it
 * exists, else static/<file>. The file's segments were checked (file_match, no '..') and the language
 * is one of the router's codes, so the joined path stays under static/.
 */
function staticForLanguage(r: AppRouter, file: string, language: string | undefined): string {
  if (language === undefined || !r.folder) return file
  const localized = language + '/' + file
  return fs.statSync(path.join(r.folder, 'static', localized), { throwIfNoEntry: false })?.isFile() ? localized : file
}

function pick(o: RouterSettings, keys: Set<string>): RouterSettings {
  const out: RouterSettings = {}
  for (const k of Object.keys(o)) if (keys.has(k)) out[k] = o[k]
  return out
}
