/**
 * App websockets at an action's URL:
 *
 *   // controllers/chat.ts
 *   export const room = websocket({
 *     open(ws) { ws.subscribe('lobby'); ws.send({ hello: auth.user?.first_name ?? 'guest' }) },
 *     async message(ws, text) { await broadcast('lobby', { from: ws.session.name, text }) },
 *     close(ws, code) {},
 *   })
 *   // browser: new WebSocket('wss://host/app/chat/room')
 *
 * The handshake is an ordinary request (models run, the session is read,
 * `auth.user` is the logged-in user); `open` runs inside it (session
 * changes it makes are saved), `message` and `close` later, each in a copy
 * of that request's state with its own database transaction.
 * A browser's Origin must be the host the socket was opened on (or one of
 * `origins`): 403 otherwise. A message over `maxMessageSize` (64 KiB) closes
 * the socket with 1009; a client that does not read while more than
 * `maxBuffered` bytes (1 MiB) wait for it is cut (its close handler sees 1013).
 */
import crypto from 'node:crypto'
import type http from 'node:http'
import type { WebSocketServer, WebSocket, RawData } from 'ws'
import type { CurrentState } from '../current/index'
import { upgradeOf } from './upgrade'
import { appChannels, inStep, requestState } from './context'
import { encodeMessage } from './hub'
import { QK_REALTIME_BAD_HANDSHAKE, QK_REALTIME_BAD_ORIGIN, QK_REALTIME_UPGRADE_REQUIRED } from './errors'

export interface AppSocket {
  readonly id: string
  /** the handshake request's session (changes after `open` are not saved) */
  readonly session: Record<string, any>
  readonly request: { application: string; controller: string; function: string; args: string[]; vars: Record<string, unknown>; client: string }
  /** a string as is, anything else as JSON; false when the socket is closed or was cut for not reading */
  send(data: unknown): boolean
  subscribe(channel: string): Promise<void>
  unsubscribe(channel: string): void
  broadcast(channel: string, data: unknown): Promise<void>
  close(code?: number, reason?: string): void
  readonly bufferedAmount: number
}

export interface SocketHandlers {
  open?(ws: AppSocket): unknown
  message?(ws: AppSocket, data: string | Buffer): unknown
  close?(ws: AppSocket, code: number, reason: string): unknown
  /** bytes of one incoming message (default 64 KiB): above it the socket is closed with 1009 */
  maxMessageSize?: number
  /** bytes waiting for a slow client before it is cut (default 1 MiB) */
  maxBuffered?: number
  /** other origins allowed to open it (e.g. 'https://app.example.com'); the host's own always is */
  origins?: string[]
}

export const DEFAULT_MAX_MESSAGE = 64 * 1024
export const DEFAULT_MAX_BUFFERED = 1024 * 1024
/** the close code a cut slow client's close handler receives (1013: try again later) */
export const CLOSE_SLOW_CLIENT = 1013

/** Open sockets of this process: closed with 1001 (going away) when the server stops. */
const openSockets = new Set<Connection>()

/** Close every app websocket of the process with 1001 (graceful shutdown). */
export function closeAppSockets(): void {
  for (const c of openSockets) c.goAway()
}

/** ms between pings: a peer that did not answer the previous one is gone (half-open TCP) and cut */
const PING_MS = 30_000

// One ws server per message size limit: it only completes handshakes (noServer), it holds no request state.
const servers = new Map<number, WebSocketServer>()
function serverFor(maxPayload: number): WebSocketServer {
  let s = servers.get(maxPayload)
  // ws is loaded by the first websocket, not at every start
  if (!s) servers.set(maxPayload, (s = new (require('ws') as typeof import('ws')).WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false, clientTracking: false })))
  return s
}

function originAllowed(req: http.IncomingMessage, host: string, extra: readonly string[]): boolean {
  const origin = req.headers.origin
  if (origin === undefined) return true // not a browser: no ambient cookies to abuse
  if (extra.includes(origin)) return true
  try { return new URL(origin).host.toLowerCase() === host.toLowerCase() } catch { return false }
}

function checkHandshake(req: http.IncomingMessage): void {
  const key = req.headers['sec-websocket-key']
  if (req.method !== 'GET') throw new QK_REALTIME_BAD_HANDSHAKE('method ' + req.method)
  if (String(req.headers.upgrade ?? '').toLowerCase() !== 'websocket') throw new QK_REALTIME_BAD_HANDSHAKE('Upgrade is not websocket')
  if (typeof key !== 'string' || !/^[+/0-9A-Za-z]{22}==$/.test(key)) throw new QK_REALTIME_BAD_HANDSHAKE('Sec-WebSocket-Key')
  if (req.headers['sec-websocket-version'] !== '13') throw new QK_REALTIME_BAD_HANDSHAKE('Sec-WebSocket-Version')
}

class Connection implements AppSocket {
  readonly id = crypto.randomUUID()
  private readonly unsubscribers = new Map<string, () => void>()
  private cut = false
  constructor(private readonly ws: WebSocket, private readonly state: CurrentState, private readonly h: SocketHandlers, readonly request: AppSocket['request']) {}

  get session(): Record<string, any> { return (this.state.session ?? {}) as Record<string, any> }
  get bufferedAmount(): number { return this.ws.bufferedAmount }

  send(data: unknown): boolean {
    if (this.cut || this.ws.readyState !== this.ws.OPEN) return false
    const text = encodeMessage(data)
    // back-pressure: a client that does not read is cut rather than growing this process's memory
    if (this.ws.bufferedAmount + Buffer.byteLength(text) > (this.h.maxBuffered ?? DEFAULT_MAX_BUFFERED)) {
      this.cut = true
      this.ws.terminate()
      return false
    }
    this.ws.send(text)
    return true
  }

  async subscribe(channel: string): Promise<void> {
    if (this.unsubscribers.has(channel)) return
    const channels = appChannels(this.state)
    this.unsubscribers.set(channel, channels.subscribe(channel, (m) => { this.send(m) }))
    await channels.ready(channel)
  }

  unsubscribe(channel: string): void {
    this.unsubscribers.get(channel)?.()
    this.unsubscribers.delete(channel)
  }

  broadcast(channel: string, data: unknown): Promise<void> { return appChannels(this.state).publish(channel, data) }

  close(code = 1000, reason = ''): void { this.ws.close(code, reason) }

  /** 1001 (going away); a client that does not answer the close within a second is cut */
  goAway(): void {
    this.ws.close(1001, 'server stopping')
    setTimeout(() => this.ws.terminate(), 1000).unref()
  }

  /** wire the socket's events to the handlers, each in a step of the request's state */
  listen(opened: Promise<unknown>): void {
    const fail = (what: string, e: unknown) => {
      process.stderr.write(`quark realtime: ${this.request.application}/${this.request.controller}/${this.request.function} ${what}: ${(e as Error)?.stack ?? String(e)}\n`)
      this.ws.close(1011, 'server error')
    }
    // messages are handled one after another, in the order they came
    let queue: Promise<unknown> = opened.catch(() => {})
    this.ws.on('message', (data: RawData, isBinary: boolean) => {
      const msg = isBinary ? Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]) : data.toString()
      queue = queue.then(() => inStep(this.state, () => this.h.message?.(this, msg))).catch((e) => fail('message', e))
    })
    this.ws.on('error', () => {}) // 1009 and protocol errors: ws closes the socket itself
    openSockets.add(this)
    let alive = true
    this.ws.on('pong', () => { alive = true })
    const ping = setInterval(() => {
      if (!alive) { this.ws.terminate(); return }
      alive = false
      this.ws.ping()
    }, PING_MS)
    ping.unref()
    this.ws.on('close', (code: number, reason: Buffer) => {
      clearInterval(ping)
      openSockets.delete(this)
      for (const off of this.unsubscribers.values()) off()
      this.unsubscribers.clear()
      const c = this.cut ? CLOSE_SLOW_CLIENT : code
      queue = queue.then(() => inStep(this.state, () => this.h.close?.(this, c, reason.toString()))).catch((e) => process.stderr.write(`quark realtime: close handler: ${(e as Error).message}\n`))
    })
  }
}

/** A websocket endpoint as an action (see the top of this file). */
export function websocket(handlers: SocketHandlers): () => Promise<string> {
  const endpoint = async function websocketEndpoint(): Promise<string> {
    const state = requestState('websocket()')
    const request = state.request as { raw: http.IncomingMessage; host: string; application: string; controller: string; function: string; args: string[]; vars: Record<string, unknown>; client: string; url?: string }
    const pending = upgradeOf(request.raw)
    if (!pending) throw new QK_REALTIME_UPGRADE_REQUIRED(`${request.controller}/${request.function}`)
    checkHandshake(request.raw)
    if (!originAllowed(request.raw, request.host, handlers.origins ?? [])) throw new QK_REALTIME_BAD_ORIGIN(JSON.stringify(String(request.raw.headers.origin).slice(0, 100)))
    pending.claim()
    const ws = await new Promise<WebSocket | undefined>((resolve) => {
      pending.socket.once('close', () => resolve(undefined))
      serverFor(handlers.maxMessageSize ?? DEFAULT_MAX_MESSAGE).handleUpgrade(request.raw, pending.socket, pending.head, resolve)
    })
    // the request log says 101; the body the lifecycle writes after this goes nowhere
    ;(state.response as { status: number }).status = 101
    if (!ws) return ''
    const conn = new Connection(ws, state, handlers, {
      application: request.application, controller: request.controller, function: request.function,
      args: [...(request.args ?? [])], vars: { ...(request.vars ?? {}) }, client: request.client,
    })
    // open runs in the request itself: what it writes to the session is saved, its database work
    // committed; messages that arrive meanwhile wait for it
    const opened = Promise.resolve().then(() => handlers.open?.(conn))
    conn.listen(opened)
    try { await opened } catch (e) {
      ws.close(1011, 'server error')
      throw e
    }
    return ''
  }
  return endpoint
}
