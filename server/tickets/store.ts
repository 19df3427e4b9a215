/**
 * Tickets: one JSON file per uncaught error in <app>/errors/. Only the id is
 * shown to the user; the admin lists, reads and deletes them through this API.
 */
import fs from 'node:fs'
import fsp from 'node:fs/promises'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import { errorLocationFrame, parseStack, type Frame } from './stack'
import { QK_TICKETS_BAD_ID, QK_TICKETS_NOT_FOUND } from './errors'

export interface Ticket {
  id: string
  app: string
  time: string
  clientIp: string
  method: string
  url: string
  error: { name: string; message: string; code?: string; stack: string }
  frames: Frame[]
  vars: Record<string, unknown>
}

export interface TicketSummary {
  id: string; time: string; clientIp: string; method: string; url: string; error: string
  /** where in the app the error came from, "controllers/default.ts:12" (its first frame inside the app), if known */
  location?: string
}

/** The first frame inside the app as "path/in/app.ts:line": the errors page groups tickets by it. */
export function ticketLocation(frames: Frame[] | undefined, appFolder: string): string | undefined {
  const root = path.resolve(appFolder) + path.sep
  for (const f of frames ?? []) {
    if (typeof f?.file !== 'string' || !(f.line > 0)) continue
    const abs = path.resolve(f.file)
    if (abs.startsWith(root)) return `${abs.slice(root.length).split(path.sep).join('/')}:${f.line}`
  }
  return undefined
}

export interface TicketInput {
  app: string
  appFolder: string
  error: unknown
  clientIp?: string
  method?: string
  url?: string
  vars?: Record<string, unknown>
}

const ID = /^[A-Za-z0-9.-]{1,100}$/
const SECRET_KEY = /pass|pwd|secret|token|key|auth|credit|card|cvv|ssn/i

/** Mask the values of password-like keys, recursively. */
export function maskVars(vars: Record<string, unknown> | undefined, depth = 0): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  if (!vars || depth > 5) return out
  for (const k of Object.keys(vars)) {
    const v = vars[k]
    if (SECRET_KEY.test(k)) out[k] = '******'
    else if (v && typeof v === 'object' && !Array.isArray(v)) out[k] = maskVars(v as Record<string, unknown>, depth + 1)
    else if (typeof v === 'string' && v.length > 2000) out[k] = v.slice(0, 2000) + '…'
    else out[k] = v
  }
  return out
}

function ticketsDir(appFolder: string): string {
  return path.join(appFolder, 'errors')
}

function checkId(id: string): void {
  if (!ID.test(id) || id.includes('..')) throw new QK_TICKETS_BAD_ID(id)
}

/** The stack's frames; a compile or syntax error's own place (file, line, source) first. */
function framesOf(e: Error, appFolder: string): Frame[] {
  const frames = parseStack(e.stack, appFolder)
  let at: Frame | undefined
  try { at = errorLocationFrame(e, appFolder) } catch { /* a ticket is stored without it */ }
  return at ? [at, ...frames] : frames
}

/** Store a ticket; returns its id. Never throws (a failing ticket store must not hide the original error). */
export function saveTicket(t: TicketInput): string {
  const now = new Date()
  const ip = (t.clientIp ?? 'local').replace(/[^A-Za-z0-9]/g, '-')
  const id = `${ip}.${now.toISOString().replace(/[:]/g, '-').replace('Z', '')}.${randomBytes(6).toString('hex')}`
  const e = t.error instanceof Error ? t.error : new Error(String(t.error))
  const ticket: Ticket = {
    id,
    app: t.app,
    time: now.toISOString(),
    clientIp: t.clientIp ?? '',
    method: t.method ?? '',
    url: t.url ?? '',
    error: { name: e.name, message: e.message, code: (e as { code?: string }).code, stack: e.stack ?? '' },
    frames: framesOf(e, t.appFolder),
    vars: maskVars(t.vars),
  }
  try {
    const dir = ticketsDir(t.appFolder)
    fs.mkdirSync(dir, { recursive: true })
    fs.writeFileSync(path.join(dir, `${id}.json`), JSON.stringify(ticket, null, 1))
  } catch (err) {
    process.stderr.write(`quark: cannot store ticket ${id}: ${(err as Error).message}\n`)
  }
  return id
}

/** Tickets of an app, newest first; filter by date prefix (YYYY-MM-DD) or client IP. */
export async function listTickets(appFolder: string, filter: { date?: string; clientIp?: string } = {}): Promise<TicketSummary[]> {
  let names: string[]
  try { names = await fsp.readdir(ticketsDir(appFolder)) } catch { return [] }
  const out: TicketSummary[] = []
  for (const n of names) {
    if (!n.endsWith('.json')) continue
    try {
      const t = JSON.parse(await fsp.readFile(path.join(ticketsDir(appFolder), n), 'utf8')) as Ticket
      if (filter.date && !t.time.startsWith(filter.date)) continue
      if (filter.clientIp && t.clientIp !== filter.clientIp) continue
      out.push({ id: t.id, time: t.time, clientIp: t.clientIp, method: t.method, url: t.url, error: `${t.error.name}: ${t.error.message}`, location: ticketLocation(t.frames, appFolder) })
    } catch { /* a half-written or foreign file */ }
  }
  return out.sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : 0))
}

export async function readTicket(appFolder: string, id: string): Promise<Ticket> {
  checkId(id)
  try {
    return JSON.parse(await fsp.readFile(path.join(ticketsDir(appFolder), `${id}.json`), 'utf8')) as Ticket
  } catch {
    throw new QK_TICKETS_NOT_FOUND(id)
  }
}

export async function deleteTicket(appFolder: string, id: string): Promise<boolean> {
  checkId(id)
  try { await fsp.rm(path.join(ticketsDir(appFolder), `${id}.json`)); return true } catch { return false }
}
