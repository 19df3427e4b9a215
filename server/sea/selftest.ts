/**
 * The binary's own health check (`quark --selftest` calls it, then boots the
 * server): each moving part that differs inside a SEA is exercised for real —
 * the SQLite addon through process.dlopen, esbuild's extracted executable, a
 * TLS round trip with a fresh self-signed certificate, the packed assets.
 */
import https from 'node:https'
import fs from 'node:fs'
import os from 'node:os'
import net from 'node:net'
import path from 'node:path'
import { spawn } from 'node:child_process'
import type { AddressInfo } from 'node:net'
import { isSea, monacoFile, projectFolder, readProjectFile, esbuildBinaryPath, loadTypescript } from './index'

export interface SelftestCheck { name: string; ok: boolean; ms: number; detail: string }

async function check(name: string, fn: () => Promise<string> | string): Promise<SelftestCheck> {
  const t = performance.now()
  try {
    const detail = await fn()
    return { name, ok: true, ms: Math.round(performance.now() - t), detail }
  } catch (e) {
    return { name, ok: false, ms: Math.round(performance.now() - t), detail: (e as Error)?.stack ?? String(e) }
  }
}

/** SQLite through the DAL's driver seam (node:sqlite inside the binary), in a real file with WAL. */
function sqlite(): string {
  // required here: the DAL's drivers sit above this room, and only the selftest needs them
  const drivers = require('../dal/drivers') as typeof import('../dal/drivers')
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-selftest-sqlite-'))
  const db = drivers.openSqlite(path.join(dir, 'check.sqlite'))
  try {
    db.pragma('journal_mode = WAL')
    db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)')
    db.prepare('INSERT INTO t (name) VALUES (?)').run(['quark'])
    const read = db.prepare('SELECT id, name, sqlite_version() AS v FROM t WHERE name = ?')
    read.raw(true)
    const [id, name, v] = (read.all(['quark']) as unknown[][])[0]!
    if (name !== 'quark' || id !== 1) throw new Error(`unexpected row ${JSON.stringify([id, name])}`)
    return `sqlite ${v} through ${drivers.sqliteDriverName()}`
  } finally {
    db.close()
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

async function typescript(): Promise<string> {
  // Loaded here, not at the top: inside the binary ESBUILD_BINARY_PATH must be set first.
  const esbuild = await import('esbuild')
  const out = await esbuild.transform('const n: number = 6 * 7; export default n', { loader: 'ts', format: 'cjs' })
  const mod = { exports: {} as { default?: number } }
  new Function('module', 'exports', out.code)(mod, mod.exports)
  if (mod.exports.default !== 42) throw new Error(`compiled code gave ${mod.exports.default}`)
  return `esbuild ${esbuild.version}${isSea() ? ` at ${esbuildBinaryPath()}` : ''}`
}

/** The admin's TypeScript parser (inside the binary an asset extracted on first use). */
function parser(): string {
  const ts = loadTypescript() as typeof import('typescript')
  const sf = ts.createSourceFile('c.ts', 'export function index() { return 1 }', ts.ScriptTarget.ES2022)
  const fn = sf.statements[0]
  if (!fn || !ts.isFunctionDeclaration(fn) || fn.name?.text !== 'index') throw new Error('unexpected parse')
  return `typescript ${ts.version}`
}

async function tls(): Promise<string> {
  const selfsigned = await import('selfsigned')
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' })
  const server = https.createServer({ key: pems.private, cert: pems.cert }, (_req, res) => { res.end('quark-ok') })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  try {
    const port = (server.address() as AddressInfo).port
    const body = await new Promise<string>((resolve, reject) => {
      https.get({ host: '127.0.0.1', port, path: '/', ca: pems.cert, servername: 'localhost' }, (res) => {
        let s = ''
        res.on('data', (c) => { s += c })
        res.on('end', () => resolve(s))
      }).on('error', reject)
    })
    if (body !== 'quark-ok') throw new Error(`unexpected body ${body}`)
    return `https round trip on port ${port}`
  } finally {
    server.close()
  }
}

function assets(): string {
  const pkg = JSON.parse(readProjectFile('package.json').toString('utf8')) as { version: string }
  const loader = monacoFile('loader.js')
  const welcome = projectFolder('welcome-app')
  return `quark ${pkg.version}; monaco loader ${loader ? loader.data.length + ' bytes' : 'absent'}; welcome at ${welcome}`
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as AddressInfo).port
      s.close(() => resolve(port))
    })
  })
}

function getStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    https.get(url, { rejectUnauthorized: false, agent: false }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode ?? 0)) })
      .on('error', reject)
  })
}

/**
 * Boot the real server as a child (`<command> run --no-browser -p <port> -f <tmp>`,
 * the public CLI flags) in a throw-away folder, wait for the welcome app's
 * index to answer 200 over HTTPS, then stop it and remove the folder.
 */
export async function bootCheck(command: string, prefixArgs: string[] = [], timeoutMs = 30_000): Promise<string> {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-selftest-'))
  const port = await freePort()
  const child = spawn(command, [...prefixArgs, 'run', '--no-browser', '-p', String(port), '-f', folder], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout!.on('data', (c: Buffer) => { out += c })
  child.stderr!.on('data', (c: Buffer) => { out += c })
  const url = `https://127.0.0.1:${port}/welcome/default/index`
  const t0 = Date.now()
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${out}`)
      if (Date.now() - t0 > timeoutMs) throw new Error(`no answer from ${url} within ${timeoutMs} ms:\n${out}`)
      try {
        const status = await getStatus(url)
        if (status === 200) return `served ${url} in ${Date.now() - t0} ms`
        throw new Error(`${url} answered ${status}:\n${out}`)
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ECONNREFUSED') throw e
      }
      await new Promise((r) => setTimeout(r, 20))
    }
  } finally {
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve()
      const kill = setTimeout(() => child.kill('SIGKILL'), 5000)
      child.once('exit', () => { clearTimeout(kill); resolve() })
      child.kill('SIGTERM')
    })
    fs.rmSync(folder, { recursive: true, force: true })
  }
}

export interface SelftestOptions {
  /** also boot the server: the command and leading arguments that run the CLI (inside the binary: process.execPath, []) */
  boot?: { command: string; args?: string[] }
}

/** Run every check; never throws. `ok` is true when all passed. */
export async function seaSelftest(opts: SelftestOptions = {}): Promise<{ ok: boolean; sea: boolean; checks: SelftestCheck[] }> {
  const checks = [
    await check('sqlite', sqlite),
    await check('typescript', typescript),
    await check('parser', parser),
    await check('tls', tls),
    await check('assets', assets),
  ]
  if (opts.boot) {
    const { command, args } = opts.boot
    // QUARK_SELFTEST_BOOT_TIMEOUT (seconds): an emulated binary (qemu) on a busy machine needs more than 30 s
    const seconds = Number(process.env.QUARK_SELFTEST_BOOT_TIMEOUT)
    checks.push(await check('server', () => bootCheck(command, args ?? [], seconds > 0 ? seconds * 1000 : 30_000)))
  }
  return { ok: checks.every((c) => c.ok), sea: isSea(), checks }
}

/** `quark --selftest`: print each check and set the exit code (0 when all passed). */
export async function runSelftestCommand(opts: SelftestOptions): Promise<boolean> {
  const r = await seaSelftest(opts)
  for (const c of r.checks) console.log(`${c.ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(10)} ${String(c.ms).padStart(5)} ms  ${c.ok ? c.detail : c.detail.split('\n').join('\n      ')}`)
  console.log(r.ok ? 'selftest passed' : 'selftest FAILED')
  process.exitCode = r.ok ? 0 : 1
  return r.ok
}
