// Faults (#17 item 3): a full disk for uploads and sessions. The server's folder lives on a small
// tmpfs (mounted for the test: needs root; without it the test is skipped and says so), filled up
// to a few hundred KB. Uploads (the temp file, and the copy into uploads/) and session saves
// beyond the space must fail with 507 Insufficient Storage and a message that says so (QK_HTTP_DISK_FULL,
// QK_FORMS_DISK_FULL, QK_SESSION_DISK_FULL) and a log line, leave no partial file, and leave the session
// file as it was (a renewed session's old file too); once space is freed the server serves on without a
// restart.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { writeApp } from '../helpers/server'
import { loadApp } from './apps/load'
import { startQuarkProcess, Client, waitFor, type QuarkProcess } from './lib/proc'
import { multipart } from './lib/multipart'
import { figure } from './lib/figures'

function mountTmpfs(dir: string, size: string): boolean {
  if (process.getuid?.() !== 0) return false
  return spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]).status === 0
}

/** Fill the file system of `dir` until about `leave` bytes are free. */
function fill(dir: string, leave: number): string {
  const filler = path.join(dir, 'filler.bin')
  const free = fs.statfsSync(dir).bavail * fs.statfsSync(dir).bsize
  fs.writeFileSync(filler, Buffer.alloc(Math.max(0, free - leave)))
  return filler
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return []
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile()).map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return false
  const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-probe-'))
  const ok = mountTmpfs(probe, '1m')
  if (ok) spawnSync('umount', [probe])
  fs.rmSync(probe, { recursive: true, force: true })
  return ok
})()

test('disk full: uploads and sessions fail cleanly, nothing corrupt, recovery without restart', { timeout: 300_000, skip: !canMount && 'cannot mount a tmpfs here (needs root): the disk-full run is skipped' }, async () => {
  const mnt = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-disk-'))
  assert.ok(mountTmpfs(mnt, '24m'))
  const servers: QuarkProcess[] = []
  let tmpElsewhere = ''
  const figures: Record<string, unknown> = {}
  try {
    const folder = path.join(mnt, 'site')
    const tmpOnDisk = path.join(mnt, 'tmp')
    tmpElsewhere = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-rel-disk-tmp-'))
    fs.mkdirSync(tmpOnDisk, { recursive: true })
    writeApp(path.join(folder, 'applications', 'load'), loadApp())
    const app = path.join(folder, 'applications', 'load')
    // uploads' temp files on the full disk too (os.tmpdir() follows TMPDIR)
    const p = await startQuarkProcess({ folder, https: false, env: { TMPDIR: tmpOnDisk } })
    servers.push(p)
    const c = new Client(p.port, false)
    assert.equal((await c.request('/load/default/ping')).status, 200)
    // a session with something in it, saved while there is room
    const first = await c.request('/load/default/grow?kb=16')
    assert.equal(first.status, 200)
    assert.equal((await c.request('/load/default/upload', { method: 'POST', ...mp(10_000) })).status, 200, 'an upload fits while there is room')
    const sessionFile = () => filesUnder(path.join(app, 'sessions')).find((f) => f.endsWith('.json'))!
    const savedBefore = fs.readFileSync(sessionFile(), 'utf8')
    const uploadsBefore = filesUnder(path.join(app, 'uploads')).length
    const filler = fill(mnt, 300 * 1024)

    // 1. an upload larger than the space left: its temp file cannot be written: 507 and why, a log line
    const big = await c.request('/load/default/upload', { method: 'POST', ...mp(2 * 1024 * 1024) })
    figures.uploadTempFull = `${big.status} ${big.error ?? ''}`
    assert.equal(big.status, 507, `the upload on a full disk was answered ${big.status} ${big.error ?? big.body.slice(0, 200)}`)
    assert.match(big.body, /Insufficient storage: no space left on the server to receive the upload \(ENOSPC\)/)
    assert.doesNotMatch(big.body, new RegExp(escapeRe(mnt)), 'no server path in the answer')
    await waitFor('the log line', () => /quark: POST \/load\/default\/upload: Insufficient storage: no space left on the server to receive the upload/.test(p.output()), 30_000)
    assert.deepEqual(filesUnder(path.join(tmpOnDisk, 'quark-uploads')), [], 'no temp file left')
    // 2. a form upload copied into uploads/ on the full disk: a second server whose temp folder is on
    // another file system (a rename across devices is a copy), so the temp file fits and the copy does not
    const p2 = await startQuarkProcess({ folder, https: false, env: { TMPDIR: tmpElsewhere } })
    servers.push(p2)
    const attach = await new Client(p2.port, false).request('/load/default/attach', { method: 'POST', ...mp(2 * 1024 * 1024, 'doc') })
    figures.uploadStoreFull = `${attach.status} ${attach.error ?? ''}`
    assert.equal(attach.status, 507, `the stored upload on a full disk: ${attach.status} ${attach.body.slice(0, 200)}`)
    assert.match(attach.body, /Insufficient storage/)
    assert.match(attach.body, /no space left to save this/)
    assert.match(attach.body, /Ticket issued: load\//, 'a ticket id is given')
    await waitFor('the log line', () => /quark: error in POST \/load\/default\/attach: Insufficient storage: no space left on the server to store upload "big\.bin" \(ENOSPC\)/.test(p2.output()), 30_000)
    assert.equal(filesUnder(path.join(app, 'uploads')).length, uploadsBefore, 'no partial file in uploads/')
    await waitFor('the temp file removed', () => filesUnder(path.join(tmpElsewhere, 'quark-uploads')).length === 0, 30_000)
    await p2.stop()
    // 3. a session grown beyond the space: the save fails with 507 and the file on disk is the old one, whole
    const grown = await c.request('/load/default/grow?kb=1024')
    figures.sessionFull = `${grown.status} ${grown.error ?? ''}`
    assert.equal(grown.status, 507, `a session save on a full disk was answered ${grown.status} ${grown.body.slice(0, 200)}`)
    assert.match(grown.body, /Insufficient storage/)
    await waitFor('the log line', () => /quark: error in GET \/load\/default\/grow: Insufficient storage: no space left on the server to save the session \(ENOSPC\); the previous session is kept/.test(p.output()), 30_000)
    assert.equal(fs.readFileSync(sessionFile(), 'utf8'), savedBefore, 'the session file is unchanged')
    assert.doesNotThrow(() => JSON.parse(fs.readFileSync(sessionFile(), 'utf8')))
    // 4. the same for a session renewed on the way (a login): the old id's file stays until the new one is written
    const renewed = await c.request('/load/default/regrow?kb=1024')
    figures.renewedSessionFull = `${renewed.status} ${renewed.error ?? ''}`
    assert.equal(renewed.status, 507, `a renewed session's save on a full disk was answered ${renewed.status}`)
    const sessions = filesUnder(path.join(app, 'sessions')).filter((f) => f.endsWith('.json'))
    assert.equal(sessions.length, 1, `one session file, the old one: ${sessions.join(', ')}`)
    assert.equal(fs.readFileSync(sessions[0]!, 'utf8'), savedBefore, 'the renewed session\'s old file is unchanged')
    const strays = fs.readdirSync(path.join(app, 'sessions')).filter((f) => !f.endsWith('.json'))
    figures.sessionTempFilesLeft = strays.length
    assert.deepEqual(strays, [], 'no temp session file left after a failed save')

    // space again: the same server serves, the session goes on from what was saved
    fs.rmSync(filler)
    const after = await c.request('/load/default/grow?kb=1')
    assert.equal(after.status, 200, after.body)
    assert.equal(after.body, `size=${17 * 1024}`, 'the session continued from its last saved state')
    assert.equal((await c.request('/load/default/upload', { method: 'POST', ...mp(10_000) })).status, 200)
    c.close()
    figure('faults', 'disk full (tmpfs)', figures)
  } finally {
    for (const s of servers) await s.stop()
    spawnSync('umount', ['-l', mnt])
    fs.rmSync(mnt, { recursive: true, force: true })
    if (tmpElsewhere) fs.rmSync(tmpElsewhere, { recursive: true, force: true })
  }
})

function mp(size: number, field = 'file'): { body: string; headers: Record<string, string> } {
  const m = multipart({}, [{ field, filename: 'big.bin', type: 'application/octet-stream', data: Buffer.alloc(size, 97) }])
  return { body: m.body.toString('latin1'), headers: { 'content-type': m.contentType } }
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
