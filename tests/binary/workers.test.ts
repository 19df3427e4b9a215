// `quark run --workers 2` from the single binary: started ALONE in an empty folder (no node on PATH, no
// node_modules above), two worker processes of the binary answer on the one port, and SIGTERM drains them
// (a request in flight finishes, the primary exits 0 and removes its pid file, no worker is left).
// Inside the binary cluster.fork() must re-run the binary with the user's arguments (server/cli/cluster.ts
// workerCommand): the binary has no script path, and Node repeats its own path as argv[1].
// The binary: QUARK_BINARY=<file>, else dist/quark when it exists, else one is built (slow).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import http from 'node:http'
import { binarySkip, buildBinary, root, sandbox, start, type Sandbox, type Running } from './helpers'
import { poll } from '../cli/helpers'

let work = ''
let box: Sandbox | undefined
let server: Running | undefined

/** GET on a new connection each time (so each may reach another worker). */
function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: 60_000 }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('timeout')))
    req.on('error', reject)
  })
}

/** The parent pid of a process, from /proc (Linux: where the binary tests run). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
  } catch { return undefined }
}

function alive(pid: number): boolean {
  try { process.kill(pid, 0); return true } catch { return false }
}

before(() => {
  if (binarySkip) return
  let binary = process.env.QUARK_BINARY
  if (!binary && fs.existsSync(path.join(root, 'dist', 'quark'))) binary = path.join(root, 'dist', 'quark')
  if (!binary) {
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-binary-workers-'))
    binary = path.join(work, 'quark')
    buildBinary(binary)
  }
  box = sandbox(binary)
})

after(async () => {
  await server?.stop()
  box?.cleanup()
  if (work) fs.rmSync(work, { recursive: true, force: true })
})

test('the binary with --workers 2 in an empty folder: two worker pids answer, SIGTERM drains them', { skip: binarySkip, timeout: 300_000 }, async () => {
  const b = box!
  assert.deepEqual(fs.readdirSync(b.appDir), ['quark'], 'the folder holds the binary alone')
  server = start(b.bin, ['run', '--workers', '2', '--no-https', '-p', '0', '--no-browser'], b.env, b.appDir)
  const url = (await server.waitFor(/Quark serving \S+ at (http:\/\/[^/\s]+)\//, 120_000))[1]!
  assert.match(server.output(), /2 workers, pid \d+/)
  const record = JSON.parse(fs.readFileSync(path.join(b.appDir, 'quark.pid'), 'utf8')) as { pid: number; workers: number }
  assert.equal(record.pid, server.child.pid, 'the binary started is the primary')
  assert.equal(record.workers, 2)

  // an app written into the running site: the workers find it (each answers with its own pid)
  const controllers = path.join(b.appDir, 'applications', 'app', 'controllers')
  fs.mkdirSync(controllers, { recursive: true })
  const started = path.join(b.appDir, 'slow-started')
  fs.writeFileSync(path.join(controllers, 'default.ts'), [
    "import fs from 'node:fs'",
    'export function pid() { return String(process.pid) }',
    `export async function slow() { fs.writeFileSync(${JSON.stringify(started)}, String(process.pid)); await new Promise((r) => setTimeout(r, 3000)); return 'slow done' }`,
  ].join('\n'))
  const seen = new Set<number>()
  await poll('two worker pids answering', async () => {
    const r = await get(`${url}/app/default/pid`)
    if (r.status === 200 && /^\d+$/.test(r.body)) seen.add(Number(r.body))
    return seen.size >= 2 ? true : undefined
  }, 120_000, 50)
  assert.equal(seen.size, 2)
  for (const pid of seen) {
    assert.notEqual(pid, record.pid, 'the primary serves no request')
    assert.equal(parentOf(pid), record.pid, `worker ${pid} is a child of the primary (a forked binary)`)
  }
  assert.equal((await get(`${url}/_quark/health`)).status, 200)

  // SIGTERM while a request is in flight: it finishes; then everything exits
  const slow = get(`${url}/app/default/slow`)
  await poll('the slow request reached a worker', () => (fs.existsSync(started) ? true : undefined), 60_000, 20)
  process.kill(record.pid, 'SIGTERM')
  const answer = await slow
  assert.equal(answer.status, 200)
  assert.equal(answer.body, 'slow done')
  const code = await new Promise<number | null>((resolve) => {
    if (server!.child.exitCode !== null) resolve(server!.child.exitCode)
    else server!.child.once('close', (c) => resolve(c))
  })
  assert.equal(code, 0, server.output())
  assert.match(server.output(), /SIGTERM, finishing in-flight requests/)
  assert.ok(!fs.existsSync(path.join(b.appDir, 'quark.pid')), 'the pid file is removed')
  for (const pid of seen) assert.ok(!alive(pid) || parentOf(pid) !== record.pid, `worker ${pid} is gone`)
  await assert.rejects(get(`${url}/app/default/pid`), 'nothing listens any more')
})
