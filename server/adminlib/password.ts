/**
 * The admin password: set with `--password`, or generated on the first boot
 * and printed once. Only a salted scrypt hash is stored, in
 * <folder>/quark-admin.json beside the applications folder (mode 0600).
 */
import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { QK_ADMIN_BAD_PASSWORD, QK_ADMIN_NO_PASSWORD } from './errors'

const scrypt = promisify(crypto.scrypt) as (pw: string, salt: Buffer, len: number, opts: crypto.ScryptOptions) => Promise<Buffer>

export const PASSWORD_FILE = 'quark-admin.json'
const PARAMS = { N: 16384, r: 8, p: 1, keylen: 64 }
const MIN_LENGTH = 6

interface PasswordRecord { algorithm: 'scrypt'; N: number; r: number; p: number; salt: string; hash: string; created: string }

export function passwordFile(folder: string): string {
  return path.join(folder, PASSWORD_FILE)
}

function hashSync(password: string, salt: Buffer): Buffer {
  return crypto.scryptSync(password, salt, PARAMS.keylen, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p })
}

function writeRecord(folder: string, password: string): void {
  const salt = crypto.randomBytes(16)
  const rec: PasswordRecord = {
    algorithm: 'scrypt', N: PARAMS.N, r: PARAMS.r, p: PARAMS.p,
    salt: salt.toString('base64'), hash: hashSync(password, salt).toString('base64'), created: new Date().toISOString(),
  }
  fs.mkdirSync(folder, { recursive: true })
  const file = passwordFile(folder)
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`
  fs.writeFileSync(tmp, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 })
  fs.renameSync(tmp, file)
}

function readRecord(folder: string): PasswordRecord | undefined {
  let raw: string
  try { raw = fs.readFileSync(passwordFile(folder), 'utf8') } catch { return undefined }
  try {
    const rec = JSON.parse(raw) as PasswordRecord
    if (rec.algorithm !== 'scrypt' || typeof rec.salt !== 'string' || typeof rec.hash !== 'string') return undefined
    return rec
  } catch { return undefined }
}

let onPasswordFolder: ((folder: string) => void) | undefined
/** index.ts learns the server's folder from the startup call. */
export function whenPasswordFolderKnown(fn: (folder: string) => void): void {
  onPasswordFolder = fn
}

/** A random password that is easy to type: 4 groups of 4 from an unambiguous alphabet. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzACDEFGHJKLMNPQRSTUVWXYZ23456789'
  const groups: string[] = []
  for (let g = 0; g < 4; g++) {
    let s = ''
    for (let i = 0; i < 4; i++) s += alphabet[crypto.randomInt(alphabet.length)]
    groups.push(s)
  }
  return groups.join('-')
}

/**
 * Called by the server at startup. With a password from the flag, store its
 * hash (replacing any older one). Without, keep the stored one; when none was
 * ever stored (or the file is damaged), generate one and return it so the
 * caller prints it once.
 */
export function ensureAdminPassword(folder: string, passwordFromFlag?: string): { generated?: string } {
  onPasswordFolder?.(folder)
  if (passwordFromFlag !== undefined) {
    if (typeof passwordFromFlag !== 'string' || passwordFromFlag.length < MIN_LENGTH)
      throw new QK_ADMIN_BAD_PASSWORD(`at least ${MIN_LENGTH} characters are needed`)
    writeRecord(folder, passwordFromFlag)
    return {}
  }
  if (readRecord(folder)) return {}
  const generated = generatePassword()
  writeRecord(folder, generated)
  return { generated }
}

export function hasAdminPassword(folder: string): boolean {
  return readRecord(folder) !== undefined
}

/** Constant-time check of a candidate password against the stored hash. */
export async function verifyAdminPassword(folder: string, candidate: unknown): Promise<boolean> {
  const rec = readRecord(folder)
  if (!rec) throw new QK_ADMIN_NO_PASSWORD(passwordFile(folder))
  const expected = Buffer.from(rec.hash, 'base64')
  // Hash even an unusable candidate so the time taken does not tell it apart.
  const text = typeof candidate === 'string' ? candidate : ''
  const actual = await scrypt(text, Buffer.from(rec.salt, 'base64'), expected.length, { N: rec.N, r: rec.r, p: rec.p, maxmem: 64 * 1024 * 1024 })
  return crypto.timingSafeEqual(actual, expected) && typeof candidate === 'string' && candidate.length > 0
}
