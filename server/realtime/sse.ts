/**
 * Server-sent events as an action, and channels as async iterables:
 *
 *   export const ticks = eventStream(async function* ({ signal, lastEventId }) {
 *     for await (const m of subscribe('news', { signal })) yield { event: 'news', data: m }
 *   })
 *   // browser: new EventSource('/app/default/ticks')
 *
 * A yielded string is one `data:` event; `{ data, event?, id?, retry? }` names
 * the fields (data that is not a string is sent as JSON); anything else is
 * sent as JSON. A comment line (`: ping`) goes every `heartbeatMs` (15 s) so
 * proxies keep the connection. When the client goes away the signal aborts
 * and the generator is returned (its `finally` runs). Each step of the
 * generator runs in a copy of the request's state with its own transaction.
 */
import { Readable } from 'node:stream'
import type { CurrentState } from '../current/index'
import { appChannels, inStep, requestState } from './context'

export interface StreamContext {
  /** aborted when the client disconnects */
  signal: AbortSignal
  /** the browser's Last-Event-ID after a reconnection */
  lastEventId: string | undefined
  session: Record<string, any>
}

export interface StreamEvent { data: unknown; event?: string; id?: string | number; retry?: number }

export interface StreamOptions { heartbeatMs?: number }

const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ')

/** One event in the text/event-stream format. */
export function formatEvent(v: unknown): string {
  if (typeof v === 'string') return v.split(/\r\n|\r|\n/).map((l) => 'data: ' + l).join('\n') + '\n\n'
  if (v && typeof v === 'object' && 'data' in v) {
    const e = v as StreamEvent
    let out = ''
    if (e.event !== undefined) out += 'event: ' + oneLine(String(e.event)) + '\n'
    if (e.id !== undefined) out += 'id: ' + oneLine(String(e.id)).replace(/\0/g, '') + '\n'
    if (e.retry !== undefined && Number.isInteger(e.retry) && e.retry >= 0) out += 'retry: ' + e.retry + '\n'
    const data = typeof e.data === 'string' ? e.data : JSON.stringify(e.data) ?? 'null'
    return out + formatEvent(data)
  }
  return formatEvent(JSON.stringify(v) ?? 'null')
}

/** Ends of the open streams of this process: a stopping server ends them (they would hold its close open). */
const openStreams = new Set<() => void>()

/** End every open event stream (graceful shutdown); browsers reconnect to another process. */
export function closeEventStreams(): void {
  for (const end of [...openStreams]) end()
}

type Generator = (ctx: StreamContext) => AsyncIterator<unknown> | AsyncIterable<unknown>

/** A server-sent-events endpoint as an action. */
export function eventStream(gen: Generator, o: StreamOptions = {}): () => Readable {
  return function eventStreamEndpoint(): Readable {
    const state: CurrentState = requestState('eventStream()')
    const response = state.response as { headers: Record<string, string> }
    response.headers['Content-Type'] = 'text/event-stream; charset=utf-8'
    response.headers['Cache-Control'] = 'no-cache, no-transform'
    response.headers['X-Accel-Buffering'] = 'no' // nginx: do not hold events back
    const raw = (state.request as { raw?: { headers: Record<string, string | string[] | undefined> } }).raw
    const last = raw?.headers['last-event-id']
    const abort = new AbortController()
    const made = gen({ signal: abort.signal, lastEventId: typeof last === 'string' ? last : undefined, session: (state.session ?? {}) as Record<string, any> })
    const it: AsyncIterator<unknown> = Symbol.asyncIterator in (made as object) ? (made as AsyncIterable<unknown>)[Symbol.asyncIterator]() : made as AsyncIterator<unknown>
    let pulling = false
    let ended = false
    const heartbeat = setInterval(() => { if (!ended) stream.push(': ping\n\n') }, o.heartbeatMs ?? 15000)
    const stop = () => {
      openStreams.delete(endNow)
      if (ended) return
      ended = true
      clearInterval(heartbeat)
      abort.abort()
      // the generator is told to finish (its finally runs) once its current step settles
      void inStep(state, () => it.return?.()).catch(() => {})
    }
    const stream = new Readable({
      read() {
        if (pulling || ended) return
        pulling = true
        inStep(state, () => it.next()).then((r) => {
          pulling = false
          if (ended) return
          if (r.done) { ended = true; clearInterval(heartbeat); stream.push(null); return }
          if (stream.push(formatEvent(r.value))) this.read()
        }, (e: unknown) => {
          pulling = false
          process.stderr.write(`quark realtime: event stream ${state.application}: ${(e as Error)?.stack ?? String(e)}\n`)
          ended = true
          clearInterval(heartbeat)
          stream.push(null)
        })
      },
      destroy(err, done) { stop(); done(err) },
    })
    const endNow = () => { stop(); stream.push(null) }
    openStreams.add(endNow)
    stream.once('end', () => openStreams.delete(endNow))
    // the browser waits for the first bytes before it reports the stream open
    stream.push(': stream\n\n')
    return stream
  }
}

/**
 * The messages of an app channel as an async iterable (for event streams and scripts).
 * Messages that arrive faster than they are read wait in a queue of at most `maxQueued` (1000);
 * beyond it the oldest are dropped. Ends when `signal` aborts or the loop breaks.
 */
export function subscribe(channel: string, o: { signal?: AbortSignal; maxQueued?: number } = {}): AsyncIterable<string> & { ready: Promise<void> } {
  const state = requestState('subscribe()')
  const channels = appChannels(state)
  const queue: string[] = []
  let wake: (() => void) | undefined
  let closed = false
  const off = channels.subscribe(channel, (m) => {
    queue.push(m)
    if (queue.length > (o.maxQueued ?? 1000)) queue.shift()
    wake?.()
  })
  const close = () => { if (!closed) { closed = true; off(); wake?.() } }
  o.signal?.addEventListener('abort', close, { once: true })
  return {
    ready: channels.ready(channel),
    [Symbol.asyncIterator](): AsyncIterator<string> {
      return {
        async next(): Promise<IteratorResult<string>> {
          while (!queue.length && !closed) await new Promise<void>((r) => { wake = r })
          wake = undefined
          if (queue.length && !closed) return { value: queue.shift()!, done: false }
          close()
          return { value: undefined, done: true }
        },
        async return(): Promise<IteratorResult<string>> { close(); return { value: undefined, done: true } },
      }
    },
  }
}

/** Publish `data` to every subscriber of the app's channel (every worker and machine with Redis). */
export function broadcast(channel: string, data: unknown): Promise<void> {
  return appChannels(requestState('broadcast()')).publish(channel, data)
}
