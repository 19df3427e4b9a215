/**
 * The limit flags of `quark run`, spawned as a user runs it: --max-body, --max-file, --max-parts,
 * --max-files, --headers-timeout, --request-timeout reach the server; bad values are usage errors.
 */
import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import net from 'node:net'
import { spawn, spawnSync } from 'node:child_process'
import { doRequest, writeApp } from '../helpers/server'

const root = path.resolve(__dirname, '..', '..')
const quark = path.join(root, 'server', 'cli', 'quark.js')
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-cli-limits-'))
after(() => fs.rmSync(tmp, { recursive: true, force: true }))
const env = { ...process.env, QUARK_QUIET_ROOMS: '1' }

function multipart(parts: { name: string; filename?: string; data: string | Buffer }[]): { body: Buffer; headers: Record<string, string> } {
  const boundary = '----quarkcli' + Math.random().toString(16).slice(2)
  const chunks: Buffer[] = []
  for (const p of parts) {
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${p.filename ? `; filename="${p.filename}"` : ''}\r\n\r\n`))
    chunks.push(Buffer.isBuffer(p.data) ? p.data : Buffer.from(p.data), Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return { body: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } }
}

test('bad limit values are usage errors', () => {
  for (const [flag, value] of [['--max-file', '0'], ['--max-parts', 'many'], ['--max-files', '1.5'], ['--headers-timeout', '-1'], ['--request-timeout', 'soon'], ['--max-body', '1e400']]) {
    const r = spawnSync(process.execPath, [quark, 'run', '--no-https', '-p', '0', flag!, value!], { encoding: 'utf8', cwd: tmp, env })
    assert.equal(r.status, 2, `${flag} ${value}: ${r.stdout}${r.stderr}`)
    // '-1' reads as a flag, so the parser says the value is missing
    assert.match(r.stderr, new RegExp(`invalid ${flag}: |flag ${flag} needs a value`))
  }
  const help = spawnSync(process.execPath, [quark, 'run', '--help'], { encoding: 'utf8', cwd: tmp, env })
  assert.match(help.stdout, /--max-file[\s\S]*--max-parts[\s\S]*--max-files[\s\S]*--headers-timeout[\s\S]*--request-timeout/)
})

test('quark run --max-body --max-file --max-parts --max-files --headers-timeout: each one is enforced', async () => {
  const folder = path.join(tmp, 'site')
  writeApp(path.join(folder, 'applications', 'app'), {
    'controllers/default.ts': `export function upload() { return 'files ' + request.files.length + ' fields ' + Object.keys(request.postVars).length }`,
  })
  const child = spawn(process.execPath, [quark, 'run', '-f', folder, '--no-https', '-p', '0', '--no-browser', '-q', '--cron', 'none',
    '--max-body', '100000', '--max-file', '1000', '--max-parts', '3', '--max-files', '2', '--headers-timeout', '1', '--request-timeout', '3'], { cwd: tmp, env })
  const exited = new Promise<void>((r) => child.on('exit', () => r()))
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (c) => { out += c; const m = /at (https?:\/\/[^\s]+?)\/? \(/.exec(out); if (m) resolve(m[1]!) })
      child.stderr.on('data', (c) => { out += c })
      child.on('exit', () => reject(new Error(`quark run exited: ${out}`)))
    })
    const server = { url, isHttps: false }
    const post = (m: { body: Buffer; headers: Record<string, string> }) => doRequest(server, '/app/default/upload', { body: m.body, headers: m.headers })
    assert.equal((await post(multipart([{ name: 'a', filename: 'a.bin', data: 'x' }, { name: 'v', data: '1' }]))).body, 'files 1 fields 2')
    const body = await post(multipart([{ name: 'a', filename: 'a.bin', data: Buffer.alloc(200_000) }]))
    assert.equal(body.status, 413)
    assert.match(body.body, /Request body larger than 100000 bytes/)
    const file = await post(multipart([{ name: 'a', filename: 'a.bin', data: Buffer.alloc(1001) }]))
    assert.equal(file.status, 413)
    assert.match(file.body, /larger than 1000 bytes/)
    const files = await post(multipart([1, 2, 3].map((i) => ({ name: `f${i}`, filename: `f${i}.bin`, data: 'x' }))))
    assert.match(files.body, /more than 2 files/)
    const parts = await post(multipart([1, 2, 3, 4].map((i) => ({ name: `v${i}`, data: 'x' }))))
    assert.match(parts.body, /more than 3 parts/)
    // a client that never finishes its headers is cut by the server (--headers-timeout 1); the bound is
    // generous: a first start may compile (and block on) the deferred admin work while the client waits
    const u = new URL(url)
    let answer = ''
    const cut = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: u.hostname, port: Number(u.port) }, () => socket.write('GET / HTTP/1.1\r\n'))
      const giveUp = setTimeout(() => { socket.destroy(); resolve(false) }, 60_000)
      socket.on('data', (c) => { answer += c })
      socket.on('error', () => {})
      socket.on('close', () => { clearTimeout(giveUp); resolve(true) })
    })
    const alive = cut ? '' : await doRequest(server, '/app/default/upload', { timeout: 5000 }).then((r) => `the server answers ${r.status}`, (e) => `the server does not answer: ${e.message}`)
    assert.ok(cut, `${alive}; a client that never finished its headers was still connected after 60 s (received ${JSON.stringify(answer)})`)
  } finally {
    child.kill('SIGTERM')
    await exited
  }
})
