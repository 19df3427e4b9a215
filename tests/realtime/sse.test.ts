// Server-sent events from eventStream() read with fetch as a browser's EventSource would
// (issue #23 item 5): headers, event fields, heartbeats, channel messages, and a client that
// goes away stopping the generator (its finally block runs).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import { startServer, type TestServer } from '../helpers/server'

const CONTROLLER = `
import fs from 'node:fs'
import path from 'node:path'
export const counter = eventStream(async function* ({ signal, lastEventId }) {
  const folder = current.appFolder
  try {
    yield { event: 'hello', id: 1, data: { from: lastEventId ?? null, name: session.name ?? null } }
    yield 'two\\nlines'
    let n = 0
    while (!signal.aborted) { yield { id: 10 + n, data: n++ }; await new Promise((r) => setTimeout(r, 50)) }
  } finally {
    fs.appendFileSync(path.join(folder, 'private', 'marks.txt'), 'stopped\\n')
  }
}, { heartbeatMs: 100 })
export const quiet = eventStream(async function* ({ signal }) {
  const news = subscribe('news', { signal })
  await news.ready
  yield { event: 'ready', data: 'ok' }
  for await (const m of news) yield { event: 'news', data: m }
}, { heartbeatMs: 100 })
export async function publish() { await broadcast('news', { title: request.vars.title }); return 'ok' }
export function marks() { try { return fs.readFileSync(path.join(current.appFolder, 'private', 'marks.txt'), 'utf8') } catch { return '' } }
export function hello() { session.name = 'eve'; return 'hi' }
`

let s: TestServer
before(async () => {
  s = await startServer({ https: false, apps: { ev: { 'controllers/default.ts': CONTROLLER, 'private/.keep': '' } } })
})
after(async () => { await s?.stop() })

/** Read an event stream until `enough(text)` holds (deadline 20 s), then disconnect. */
async function readStream(url: string, enough: (text: string) => boolean, headers: Record<string, string> = {}): Promise<{ status: number; headers: Headers; text: string }> {
  const ac = new AbortController()
  const timer = setTimeout(() => ac.abort(), 20000)
  const r = await fetch(s.url + url, { signal: ac.signal, headers })
  let text = ''
  const reader = r.body!.getReader()
  try {
    while (!enough(text)) {
      const { value, done } = await reader.read()
      if (done) break
      text += Buffer.from(value).toString('utf8')
    }
  } finally {
    clearTimeout(timer)
    ac.abort()
  }
  return { status: r.status, headers: r.headers, text }
}

async function until(what: string, fn: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20000
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error('timed out waiting for ' + what)
    await new Promise((r) => setTimeout(r, 100))
  }
}

test('an event stream: headers, named events with ids, multi-line data, JSON data, heartbeats, the session', async () => {
  const agent = s.agent()
  await agent.request('/ev/default/hello')
  const cookie = Object.entries(agent.jar).map(([k, v]) => `${k}=${v}`).join('; ')
  const r = await readStream('/ev/default/counter', (t) => t.includes('data: 3\n') && t.includes(': ping'), { Cookie: cookie, 'Last-Event-ID': '7' })
  assert.equal(r.status, 200)
  assert.equal(r.headers.get('content-type'), 'text/event-stream; charset=utf-8')
  assert.equal(r.headers.get('cache-control'), 'no-cache, no-transform')
  assert.equal(r.headers.get('x-accel-buffering'), 'no')
  assert.match(r.text, /event: hello\nid: 1\ndata: \{"from":"7","name":"eve"\}\n\n/)
  assert.match(r.text, /data: two\ndata: lines\n\n/)
  assert.match(r.text, /id: 10\ndata: 0\n\nid: 11\ndata: 1\n\n/)
  assert.match(r.text, /\n: ping\n\n/)
})

test('the client going away stops the generator (its finally runs)', async () => {
  fs.rmSync(path.join(s.appFolder('ev'), 'private', 'marks.txt'), { force: true })
  await readStream('/ev/default/counter', (t) => t.includes('data: 1\n'))
  await until('the generator\'s finally', async () => (await s.request('/ev/default/marks')).body.includes('stopped'))
})

test('subscribe() in a stream gets what broadcast() publishes', async () => {
  let published = false
  const r = await readStream('/ev/default/quiet', (t) => {
    if (t.includes('event: ready') && !published) {
      published = true
      void s.request('/ev/default/publish?title=' + encodeURIComponent('a\nb <c>'))
    }
    return t.includes('event: news')
  })
  assert.match(r.text, /event: news\ndata: \{"title":"a\\nb <c>"\}\n\n/)
})
