/**
 * The web shell over the admin's WebSocket: /admin/live?shell=<app>&csrf=<token>
 * (the live channel's path, which the core hands to the admin; the `shell`
 * parameter picks this service), with the live channel's checks (admin
 * session cookie, local or HTTPS, same origin) plus the page's CSRF token. Each socket gets its own child process
 * (shellchild.ts) with the app's models run in it:
 *
 *   client → {type:'run', code, timeout?}   one command (TypeScript, top-level await); timeout in s (1..600, default 30)
 *   client → {type:'commit'} | {type:'rollback'}   decide the open transaction of the last command
 *   client → {type:'stop'}                  stop the running command
 *   server → {type:'ready', app} | {type:'running', id}
 *   server → {type:'result', id, ok, output, value?, table?, error?, pending}   pending: its transaction waits for commit/rollback
 *   server → {type:'done', action, error?} | {type:'stopped', id, reason} | {type:'error', message}
 *
 * Each command runs in its own transaction: after one that succeeded the
 * user commits or rolls back before the next (a command that throws is
 * rolled back at once). A command is stopped by killing its process: the
 * databases roll its transaction back when the connection drops, and a
 * fresh process (models run again; names defined before are gone) takes
 * over. Closing the page closes the socket, which ends the process.
 */
import path from 'node:path'
import type http from 'node:http'
import type { Duplex } from 'node:stream'
import { fork, type ChildProcess } from 'node:child_process'
import { WebSocketServer, type WebSocket } from 'ws'
import { childEntry, childExecArgv } from '../sea'
import { requestedHost } from '../http'
import { isAdminLivePath } from '../realtime'

export const SHELL_PATH = '/admin/live'
const DEFAULT_TIMEOUT_S = 30
const MAX_TIMEOUT_S = 600
const MAX_CODE = 100_000

export interface AdminShellOptions {
  /** true when the upgrade comes from a logged-in admin over an allowed connection and carries its CSRF token */
  authorize(req: http.IncomingMessage, csrf: string | null): boolean
  /** the folder of an app by name; throws for an unknown or invalid name */
  appFolder(app: string): string
}

/** Same as the live channel: a browser's upgrade must come from a page of this site. */
function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin
  if (!origin) return true
  const host = requestedHost(req)
  try { return host !== undefined && new URL(origin).host === host.toLowerCase() } catch { return false }
}

type State = 'starting' | 'idle' | 'running' | 'pending'

function startChild(appFolder: string, app: string): ChildProcess {
  const child = fork(childEntry('admin-shell', path.join(__dirname, 'shellchild.ts')), [], {
    execArgv: childExecArgv(), stdio: ['ignore', 'ignore', 'ignore', 'ipc'], serialization: 'advanced',
  })
  child.send({ type: 'init', appFolder, appName: app })
  return child
}

function serve(ws: WebSocket, app: string, appFolder: string): void {
  let state: State = 'starting'
  let child: ChildProcess | undefined
  let running: { id: number; timer: NodeJS.Timeout } | undefined
  let nextId = 1
  const send = (msg: object) => { if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg)) }

  const spawn = () => {
    state = 'starting'
    const c = startChild(appFolder, app)
    child = c
    c.on('message', (m: { type: string; id?: number; ok?: boolean; error?: string; action?: string }) => {
      if (c !== child) return
      if (m.type === 'ready') { state = 'idle'; send({ type: 'ready', app }) } else if (m.type === 'failed') {
        send({ type: 'error', message: `The models of ${app} failed: ${m.error}` })
        state = 'idle'
        kill()
      } else if (m.type === 'result' && running && m.id === running.id) {
        clearTimeout(running.timer)
        running = undefined
        state = m.ok ? 'pending' : 'idle'
        send({ ...m, pending: state === 'pending' })
      } else if (m.type === 'done') {
        state = 'idle'
        send(m)
      }
    })
    c.on('exit', () => {
      if (c !== child) return
      child = undefined
      if (running) { clearTimeout(running.timer); send({ type: 'stopped', id: running.id, reason: 'the shell process ended; its transaction was rolled back' }); running = undefined }
      state = 'idle'
    })
  }

  const kill = () => {
    const c = child
    child = undefined
    if (c && c.exitCode === null && c.signalCode === null) c.kill('SIGKILL')
  }

  /** Stop the running command: kill its process (its transaction dies with it) and start a fresh one. */
  const stop = (reason: string) => {
    if (!running) return
    clearTimeout(running.timer)
    const id = running.id
    running = undefined
    kill()
    send({ type: 'stopped', id, reason: `${reason}; its transaction was rolled back and the shell restarted (names defined before are gone)` })
    spawn()
  }

  spawn()
  ws.on('message', (data) => {
    let msg: { type?: unknown; code?: unknown; timeout?: unknown }
    try { msg = JSON.parse(String(data)) } catch { return send({ type: 'error', message: 'messages are JSON' }) }
    if (msg.type === 'run') {
      if (typeof msg.code !== 'string' || !msg.code.trim()) return send({ type: 'error', message: 'nothing to run' })
      if (msg.code.length > MAX_CODE) return send({ type: 'error', message: `a command is at most ${MAX_CODE} characters` })
      if (state === 'running') return send({ type: 'error', message: 'a command is running: wait for it or stop it' })
      if (state === 'pending') return send({ type: 'error', message: 'commit or roll back the last command first' })
      if (state === 'starting') return send({ type: 'error', message: 'the shell is starting (the models run): try again in a moment' })
      if (!child) spawn()
      const seconds = Math.min(MAX_TIMEOUT_S, Math.max(1, Number(msg.timeout) || DEFAULT_TIMEOUT_S))
      const id = nextId++
      running = { id, timer: setTimeout(() => stop(`it ran longer than ${seconds} s`), seconds * 1000) }
      state = 'running'
      child!.send({ type: 'run', id, code: msg.code })
      send({ type: 'running', id })
    } else if (msg.type === 'commit' || msg.type === 'rollback') {
      if (state !== 'pending' || !child) return send({ type: 'error', message: 'no transaction is waiting' })
      state = 'running'
      child.send({ type: msg.type })
    } else if (msg.type === 'stop') {
      if (!running) return send({ type: 'error', message: 'nothing is running' })
      stop('stopped by you')
    } else send({ type: 'error', message: 'unknown message type' })
  })
  ws.on('close', () => { if (running) clearTimeout(running.timer); kill() })
}

export interface AdminShell {
  handleUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): boolean
  close(): void
}

export function createAdminShell(opts: AdminShellOptions): AdminShell {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 })
  const isApp = (name: string): boolean => { try { opts.appFolder(name); return true } catch { return false } }
  return {
    handleUpgrade(req, socket, head) {
      const url = new URL(req.url ?? '/', 'http://x')
      // <prefix>/admin/live under the routes' path_prefix too, as the live channel
      if (!url.searchParams.has('shell') || (url.pathname !== SHELL_PATH && !isAdminLivePath(url.pathname, isApp))) return false
      let folder: string | undefined
      const app = url.searchParams.get('shell') ?? ''
      try { folder = opts.appFolder(app) } catch { folder = undefined }
      // who asks is checked before which app: a stranger learns nothing about the apps
      const refused = !sameOrigin(req) || !opts.authorize(req, url.searchParams.get('csrf')) ? '403 Forbidden' : !folder ? '404 Not Found' : ''
      if (refused) {
        socket.end(`HTTP/1.1 ${refused}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
        return true
      }
      wss.handleUpgrade(req, socket, head, (ws) => serve(ws, app, folder!))
      return true
    },
    close() { for (const ws of wss.clients) ws.terminate(); wss.close() },
  }
}
