/**
 * Private Redis and PostgreSQL instances on spare ports, for the runs that
 * stop and restart them (the machine's own on 6379/5432 are shared and are
 * never touched). PostgreSQL runs from a temporary data folder with the
 * installed initdb/pg_ctl, as the postgres user when this process is root.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import pg from 'pg'
import { freePort, waitFor } from './proc'

const portOpen = (port: number) => new Promise<boolean>((res) => { const s = net.connect(port, '127.0.0.1', () => { s.destroy(); res(true) }); s.on('error', () => res(false)) })

export interface PrivateRedis { port: number; url: string; stop(): Promise<void>; start(): Promise<void>; dispose(): Promise<void> }

export function redisAvailable(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0
}

export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort()
  let child: ChildProcess | undefined
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
    await waitFor(`redis on ${port}`, () => portOpen(port), 30_000)
  }
  const stop = async () => {
    const c = child
    if (!c || c.exitCode !== null || c.signalCode !== null) return
    const exited = new Promise((r) => c.once('exit', r))
    c.kill('SIGKILL')
    await exited
    await waitFor(`redis port ${port} closed`, async () => !(await portOpen(port)), 30_000)
  }
  await start()
  return { port, url: `redis://127.0.0.1:${port}`, start, stop, dispose: stop }
}

/** The folder of PostgreSQL's programs (initdb, pg_ctl), or undefined. */
export function postgresBin(): string | undefined {
  const candidates = [...(fs.existsSync('/usr/lib/postgresql') ? fs.readdirSync('/usr/lib/postgresql').sort().reverse().map((v) => `/usr/lib/postgresql/${v}/bin`) : []), '/usr/local/bin', '/usr/bin']
  return candidates.find((d) => fs.existsSync(path.join(d, 'initdb')) && fs.existsSync(path.join(d, 'pg_ctl')))
}

export interface PrivatePostgres { port: number; uri: string; stop(): Promise<void>; start(): Promise<void>; dispose(): Promise<void> }

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const bin = postgresBin()
  if (!bin) throw new Error('no initdb/pg_ctl found')
  const root = process.getuid?.() === 0
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-pg-'))
  const data = path.join(dir, 'data')
  if (root) spawnSync('chown', ['-R', 'postgres:postgres', dir])
  const run = (args: string[]) => {
    const cmd = root ? 'runuser' : args[0]!
    const full = root ? ['-u', 'postgres', '--', ...args] : args.slice(1)
    const r = spawnSync(cmd, full, { encoding: 'utf8', cwd: dir })
    if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr || r.stdout}`)
  }
  run([path.join(bin, 'initdb'), '-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'])
  const port = await freePort()
  const start = async () => {
    run([path.join(bin, 'pg_ctl'), '-D', data, '-l', path.join(dir, 'log.txt'), '-w', '-t', '60', '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, 'start'])
  }
  const stop = async () => {
    // immediate: as a crash (no checkpoint); the next start recovers from the WAL
    run([path.join(bin, 'pg_ctl'), '-D', data, '-w', '-t', '60', '-m', 'immediate', 'stop'])
    await waitFor(`postgres port ${port} closed`, async () => !(await portOpen(port)), 30_000)
  }
  await start()
  const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' })
  await c.connect()
  await c.query('CREATE DATABASE reliability')
  await c.end()
  return {
    port, uri: `postgres://postgres@127.0.0.1:${port}/reliability`, start, stop,
    async dispose() {
      try { await stop() } catch { /* already stopped */ }
      fs.rmSync(dir, { recursive: true, force: true })
    },
  }
}
