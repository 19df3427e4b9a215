/**
 * The built-in commands (run, new, shell): required by the command table
 * (commands.ts) when one of them is used.
 */
import fs from 'node:fs'
import path from 'node:path'
import { FOLDER, HELP, folderOf, type Command } from './commands'
import type { Parsed } from './args'
import { startQuark, copyScaffold, prepareSite, type StartOptions } from './start'
import { runPrimary, serveAsWorker, workerCount, workerSlot, broadcastInvalidate, signalReload } from './cluster'
import { isValidAppName, SiteRoutes, AppRegistry } from '../dispatch'
import { writeAppTypes, appShellEnvironment, runAppTests, appTestFiles } from '../environment'
import { openBrowser } from '../sea'
import { QK_CLI_APP_EXISTS, QK_CLI_BAD_APP_NAME, QK_CLI_NO_APP, QK_CLI_USAGE } from './errors'
import type { CronMode } from '../cron'
import { parseTrustProxy } from '../http'

export const run: Command = {
  summary: 'start the server (the default command)',
  usage: 'quark run [flags]',
  flags: [
    FOLDER,
    { name: 'ip', short: 'i', value: true, help: 'address to listen on (default 127.0.0.1)' },
    { name: 'port', short: 'p', value: true, help: 'port (default 8000; 0 = any free port)' },
    { name: 'no-https', help: 'serve plain HTTP instead of HTTPS' },
    { name: 'cert', value: true, help: 'your own certificate (PEM); with --key' },
    { name: 'key', value: true, help: 'your own private key (PEM); with --cert' },
    { name: 'client-ca', value: true, help: 'ask for client certificates signed by this CA (PEM): login by certificate (auth.enable(\'x509\'))' },
    { name: 'client-crl', value: true, help: 'revocation list (PEM) of --client-ca: its certificates are refused' },
    { name: 'quiet', short: 'q', help: 'do not log one line per request' },
    { name: 'no-browser', help: 'do not open a browser on the welcome page' },
    { name: 'max-body', value: true, help: 'largest request body in bytes, uploads included (default 10485760)' },
    { name: 'max-file', value: true, help: 'largest uploaded file in bytes (default: --max-body)' },
    { name: 'max-parts', value: true, help: 'most fields and files in one multipart body (default 1000)' },
    { name: 'max-files', value: true, help: 'most files in one multipart body (default 100)' },
    { name: 'headers-timeout', value: true, help: 'seconds a client has to send its request headers (default 10)' },
    { name: 'request-timeout', value: true, help: 'seconds a client has to send its whole request (default 120)' },
    { name: 'password', value: true, help: 'set the admin password (stored hashed beside applications/)' },
    { name: 'cron', value: true, help: 'cron mode: hard (default, in-process), soft (after requests), external (`quark cron`), none' },
    { name: 'workers', short: 'w', value: true, help: 'serve with N worker processes sharing the port (0 = one per core); SIGHUP or `quark reload` replaces them one at a time' },
    { name: 'trust-proxy', value: true, help: 'proxies whose X-Forwarded-For/Proto/Host and Forwarded headers are believed: addresses or CIDRs, comma-separated (`loopback` = 127.0.0.0/8 and ::1)' },
    { name: 'allowed-hosts', value: true, help: 'Host names served, comma-separated (`.example.com` = and subdomains, `*` = any); default: localhost, the listening addresses, the certificate\'s names' },
    HELP,
  ],
  async run(p, io) {
    const port = p.flags.port === undefined ? 8000 : Number(p.flags.port)
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new QK_CLI_USAGE(`invalid port: ${String(p.flags.port)}`)
    if (!!p.flags.cert !== !!p.flags.key) throw new QK_CLI_USAGE('--cert and --key go together')
    if (p.flags['client-crl'] && !p.flags['client-ca']) throw new QK_CLI_USAGE('--client-crl needs --client-ca')
    if (p.flags['client-ca'] && p.flags['no-https']) throw new QK_CLI_USAGE('--client-ca needs HTTPS (drop --no-https)')
    for (const f of ['client-ca', 'client-crl']) if (typeof p.flags[f] === 'string' && !fs.existsSync(p.flags[f] as string)) throw new QK_CLI_USAGE(`--${f}: no such file: ${String(p.flags[f])}`)
    // a positive number (an integer for counts and bytes), or undefined when the flag is absent
    const positive = (flag: string, integer = true): number | undefined => {
      if (p.flags[flag] === undefined) return undefined
      const n = Number(p.flags[flag])
      if (!(n > 0) || !Number.isFinite(n) || (integer && !Number.isInteger(n))) throw new QK_CLI_USAGE(`invalid --${flag}: ${String(p.flags[flag])}`)
      return n
    }
    const maxBody = positive('max-body')
    const seconds = (flag: string) => { const n = positive(flag, false); return n === undefined ? undefined : Math.round(n * 1000) }
    const cron = p.flags.cron === undefined ? 'hard' : String(p.flags.cron)
    if (!['hard', 'soft', 'external', 'none'].includes(cron)) throw new QK_CLI_USAGE(`invalid --cron: ${cron} (hard, soft, external or none)`)
    const list = (flag: string): string[] | undefined => {
      const v = p.flags[flag]
      if (v === undefined) return undefined
      const items = String(v).split(',').map((x) => x.trim()).filter(Boolean)
      if (!items.length || v === true) throw new QK_CLI_USAGE(`--${flag} needs a comma-separated list`)
      return items
    }
    const options: StartOptions = {
      folder: folderOf(p),
      ip: typeof p.flags.ip === 'string' ? p.flags.ip : '127.0.0.1',
      port,
      https: !p.flags['no-https'],
      cert: p.flags.cert as string | undefined,
      key: p.flags.key as string | undefined,
      clientCa: p.flags['client-ca'] as string | undefined,
      clientCrl: p.flags['client-crl'] as string | undefined,
      quiet: !!p.flags.quiet,
      maxBodySize: maxBody,
      maxFileSize: positive('max-file'),
      maxParts: positive('max-parts'),
      maxFiles: positive('max-files'),
      headersTimeoutMs: seconds('headers-timeout'),
      requestTimeoutMs: seconds('request-timeout'),
      password: typeof p.flags.password === 'string' ? p.flags.password : undefined,
      cron: cron as CronMode,
      trustProxy: list('trust-proxy'),
      allowedHosts: list('allowed-hosts'),
    }
    let workers: number | undefined
    if (p.flags.workers !== undefined) {
      try { workers = workerCount(p.flags.workers) } catch (e) { throw new QK_CLI_USAGE((e as Error).message) }
    }
    const slot = workerSlot()
    const greet = (url: string, folder: string, password: string | undefined, what: string) => {
      // under the routes' path_prefix the whole site, the admin included, lives below it
      const site = url + new SiteRoutes(new AppRegistry(folder)).pathPrefix()
      io.out(`Quark serving ${folder}/applications at ${site}/ (${what})`)
      if (!p.flags['no-browser']) openBrowser(`${site}/welcome/default/index`)
      io.out(`  welcome: ${site}/welcome   admin: ${site}/admin`)
      if (password) io.out(`  admin password (shown once, stored hashed): ${password}`)
    }
    if (workers !== undefined && slot === undefined) {
      // the primary: what must exist once, then the workers (this same command line, in each)
      if (options.trustProxy) parseTrustProxy(options.trustProxy) // a bad list fails here, once, not in every worker
      const prepared = await prepareSite(options)
      const n = workers
      return runPrimary({
        folder: options.folder, workers: n, out: io.out, err: io.err,
        onListening: (url) => greet(url, options.folder, prepared.generatedAdminPassword,
          `${n} worker${n === 1 ? '' : 's'}, pid ${process.pid}; Ctrl-C to stop, SIGHUP or \`quark reload\` to replace the workers`),
      })
    }
    if (slot !== undefined) {
      // a worker: the primary made the password; the in-process cron runs in worker 1 only
      options.password = undefined
      if (slot !== 1 && options.cron === 'hard') options.cron = 'none'
      ;(globalThis as Record<symbol, unknown>)[Symbol.for('quark.cluster.invalidate')] =
        (prefixes: string[]) => Promise.all(prefixes.map((x) => broadcastInvalidate(x))).then(() => undefined)
      const server = await startQuark(options)
      const env = require('../environment') as typeof import('../environment')
      await serveAsWorker(server, (prefix) => env.invalidate(prefix))
      process.disconnect?.()
      setTimeout(() => process.exit(0), 500)
      return 0
    }
    const server = await startQuark(options)
    greet(server.url, server.folder, server.generatedAdminPassword, 'Ctrl-C to stop')
    await new Promise<void>((resolve) => {
      const stop = (sig: string) => {
        io.out(`quark: ${sig}, finishing in-flight requests`)
        process.off('SIGINT', onInt)
        process.off('SIGTERM', onTerm)
        server.close().then(resolve, resolve)
      }
      const onInt = () => stop('SIGINT')
      const onTerm = () => stop('SIGTERM')
      process.on('SIGINT', onInt)
      process.on('SIGTERM', onTerm)
    })
    return 0
  },
}

export const reload: Command = {
  summary: 'replace the workers of a running `quark run --workers N` one at a time (no request dropped)',
  usage: 'quark reload [-f folder] [--no-wait]',
  flags: [
    FOLDER,
    { name: 'no-wait', help: 'only send the signal; do not wait until every worker was replaced' },
    { name: 'timeout', value: true, help: 'seconds to wait for the reload (default 120)' },
    HELP,
  ],
  async run(p, io) {
    const seconds = p.flags.timeout === undefined ? 120 : Number(p.flags.timeout)
    if (!(seconds > 0)) throw new QK_CLI_USAGE(`invalid --timeout: ${String(p.flags.timeout)}`)
    await signalReload(folderOf(p), p.flags['no-wait'] ? 0 : seconds * 1000, io.out)
    return 0
  },
}

/** The <app> argument of a command, checked, and the applications folder it lives in. */
function appArgument(p: Parsed, command: string): { name: string; apps: string } {
  const name = p.positional[0]
  if (!name) throw new QK_CLI_USAGE(`quark ${command} needs an app name: quark ${command} <app>`)
  if (!isValidAppName(name)) throw new QK_CLI_BAD_APP_NAME(name)
  return { name, apps: path.join(folderOf(p), 'applications') }
}

/** The app named on the command line, which must exist: its name and folder. */
export function existingApp(p: Parsed, command: string): { name: string; folder: string } {
  const { name, apps } = appArgument(p, command)
  const folder = path.join(apps, name)
  if (!fs.existsSync(folder)) throw new QK_CLI_NO_APP(name, apps)
  return { name, folder }
}

export const newApp: Command = {
  summary: 'create an app from the scaffold (welcome-app)',
  usage: 'quark new <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p, io) {
    const { name, apps } = appArgument(p, 'new')
    const dest = path.join(apps, name)
    if (fs.existsSync(dest)) throw new QK_CLI_APP_EXISTS(name, apps)
    fs.mkdirSync(apps, { recursive: true })
    copyScaffold(dest)
    // the new app calls itself by its name (brand, title, comments, README); required here, not at the top, so `quark run` does not load the admin's library
    ;(require('../adminlib') as typeof import('../adminlib')).adaptScaffold(dest, name)
    writeAppTypes(dest)
    io.out(`created ${dest}`)
    return 0
  },
}

export const shell: Command = {
  summary: "an interactive shell with the app's environment (models executed)",
  usage: 'quark shell <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p, io) {
    const { name, folder } = existingApp(p, 'shell')
    const sh = await appShellEnvironment(folder, name)
    io.out(`quark shell: app ${name}; the models ran; db.commit() or .exit to leave (the shell's work is committed on exit)`)
    const repl = require('node:repl') as typeof import('node:repl')
    const r = repl.start({ prompt: `${name}> ` })
    for (const k in sh.env) r.context[k] = sh.env[k]
    const evalFn = r.eval
    // every line runs inside the app's request state, so `current` works there too
    ;(r as unknown as { eval: typeof evalFn }).eval = (cmd, ctx, file, cb) => sh.run(() => evalFn.call(r, cmd, ctx, file, cb))
    await new Promise<void>((resolve) => r.on('exit', resolve))
    await sh.commit()
    await sh.close()
    return 0
  },
}

export const test: Command = {
  summary: "run an app's own tests (tests/*.ts) in its environment; their database changes are rolled back",
  usage: 'quark test <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p, io) {
    const { name, folder } = existingApp(p, 'test')
    if (!appTestFiles(folder).length) {
      io.out(`no tests: ${path.join(folder, 'tests')} has no .ts files (each file calls test(name, fn) and may use assert)`)
      return 0
    }
    const r = await runAppTests(folder, name, { log: (l) => io.out(l) })
    io.out(`# ${name}: ${r.passed} passed, ${r.failed} failed, in ${r.files} file${r.files === 1 ? '' : 's'}`)
    return r.failed ? 1 : 0
  },
}
