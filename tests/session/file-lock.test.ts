/**
 * The file store's cross-process lock (<id>.lock): taken over from a dead process, never from a live one,
 * never stolen while its creator is still writing it, removed only by its owner; files written 0o600.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { spawnSync } from 'node:child_process'
import { FileStore, QK_SESSION_LOCK_TIMEOUT } from '../../server/session'

const ID = '0123456789abcdef0123456789abcdef'

function site(t: { after(fn: () => void): void }): { folder: string; lockFile: string; store: FileStore } {
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-filelock-'))
  t.after(() => fs.rmSync(folder, { recursive: true, force: true }))
  fs.mkdirSync(path.join(folder, 'sessions'))
  return { folder, lockFile: path.join(folder, 'sessions', `${ID}.lock`), store: new FileStore(folder, { lockWait: 400 }) }
}

test('a lock left by a process that died is taken over; ours is removed at unlock', async (t) => {
  const { lockFile, store } = site(t)
  const dead = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString())
  fs.writeFileSync(lockFile, `${dead} ${os.hostname()} deadbeef`)
  const unlock = await store.lock(ID)
  assert.ok(fs.readFileSync(lockFile, 'utf8').startsWith(`${process.pid} `), 'the lock file is now ours')
  unlock()
  assert.equal(fs.existsSync(lockFile), false)
})

test('a lock held by a live process is waited for, then refused with QK_SESSION_LOCK_TIMEOUT (503)', async (t) => {
  const { lockFile, store } = site(t)
  fs.writeFileSync(lockFile, `${process.ppid} ${os.hostname()} someone`)
  await assert.rejects(store.lock(ID), (e: unknown) => e instanceof QK_SESSION_LOCK_TIMEOUT && (e as { status: number }).status === 503)
  assert.equal(fs.readFileSync(lockFile, 'utf8'), `${process.ppid} ${os.hostname()} someone`, 'left alone')
})

test('a fresh lock file still empty (its creator is writing it) is not stolen', async (t) => {
  const { lockFile, store } = site(t)
  fs.writeFileSync(lockFile, '')
  await assert.rejects(store.lock(ID), QK_SESSION_LOCK_TIMEOUT)
  assert.equal(fs.existsSync(lockFile), true)
})

test('unlock removes the lock file only while it holds our token (a takeover is not undone)', async (t) => {
  const { lockFile, store } = site(t)
  const unlock = await store.lock(ID)
  fs.writeFileSync(lockFile, `${process.ppid} ${os.hostname()} theirs`)
  unlock()
  assert.equal(fs.readFileSync(lockFile, 'utf8'), `${process.ppid} ${os.hostname()} theirs`)
})

test('session and lock files are 0o600; a session id that is not 32 hex characters is not this store\'s', async (t) => {
  const { folder, lockFile, store } = site(t)
  const unlock = await store.lock(ID)
  assert.equal(fs.statSync(lockFile).mode & 0o777, 0o600)
  await store.save(ID, '{"a":1}', undefined)
  unlock()
  assert.equal(fs.statSync(path.join(folder, 'sessions', `${ID}.json`)).mode & 0o777, 0o600)
  for (const bad of [`${ID}/../x`, ID.toUpperCase(), ID + '0', '../../etc/passwd']) assert.equal(store.accepts(bad), false, bad)
})
