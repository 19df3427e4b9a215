/**
 * `new Mail({ server, sender, login, tls })`: SMTP through nodemailer, or a
 * development mode (server 'logging', the default) that appends each message
 * as one JSON line to a file (default <app>/private/mail.log, read by tests
 * and developers) and writes a one-line summary to the log. The summary has
 * no body: mailed bodies carry reset and verification links, which must not
 * reach log lines.
 */
import fs from 'node:fs'
import path from 'node:path'
import { current } from '../current'
import { QK_MAIL_BAD_MESSAGE, QK_MAIL_NOT_CONFIGURED } from './errors'

export interface MailSettings {
  /** 'smtp.host:port', 'smtp://user:pass@host:port', or 'logging' (development) */
  server: string
  sender: string
  /** 'user:password' for SMTP authentication */
  login: string
  /** implicit TLS (port 465); STARTTLS is used when the server offers it */
  ssl: boolean
  /** development mode: where messages are appended (absolute, or relative to the app folder) */
  logFile: string
  /** development mode: the one-line summary's destination (default stderr) */
  log: (line: string) => void
  timeout: number
}

export interface MailMessage {
  to: string | string[]
  subject: string
  /** plain text body */
  message?: string
  html?: string
  cc?: string | string[]
  bcc?: string | string[]
  replyTo?: string
  sender?: string
}

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/

function list(x: string | string[] | undefined): string[] {
  return x === undefined ? [] : Array.isArray(x) ? x : [x]
}

function logToStderr(line: string): void { process.stderr.write(line + '\n') }

export class Mail {
  readonly settings: MailSettings
  /** the last error of send(), as web2py's mail.error */
  error: string | null = null

  constructor(settings?: Partial<MailSettings>) {
    // made on every request by a model: one literal in a fixed field order, no spread
    const s: MailSettings = { server: 'logging', sender: 'noreply@localhost', login: '', ssl: false, logFile: '', log: logToStderr, timeout: 15000 }
    if (settings !== undefined) for (const k in settings) (s as unknown as Record<string, unknown>)[k] = (settings as Record<string, unknown>)[k]
    this.settings = s
  }

  /** The development file: settings.logFile, else <app>/private/mail.log. */
  get logFilePath(): string {
    const f = this.settings.logFile
    const app = current.appFolder
    if (f && path.isAbsolute(f)) return f
    if (!app) throw new QK_MAIL_NOT_CONFIGURED('development mode outside a request needs an absolute logFile')
    return path.join(app, f || path.join('private', 'mail.log'))
  }

  private check(m: MailMessage): void {
    const to = [...list(m.to), ...list(m.cc), ...list(m.bcc)]
    if (!to.length) throw new QK_MAIL_BAD_MESSAGE('no recipient')
    for (const a of [...to, m.replyTo ?? this.settings.sender, m.sender ?? this.settings.sender]) {
      if (typeof a !== 'string' || !ADDRESS.test(a.trim())) throw new QK_MAIL_BAD_MESSAGE(`invalid address ${JSON.stringify(a)}`)
    }
    if (typeof m.subject !== 'string' || /[\r\n]/.test(m.subject)) throw new QK_MAIL_BAD_MESSAGE('the subject must be one line of text')
  }

  /** Send a message; true when it was accepted (or logged), false with `mail.error` set otherwise. Bad arguments throw. */
  async send(m: MailMessage): Promise<boolean> {
    this.check(m)
    this.error = null
    const from = m.sender ?? this.settings.sender
    if (this.settings.server === 'logging') {
      const file = this.logFilePath
      const entry = { date: new Date().toISOString(), from, to: list(m.to), cc: list(m.cc), bcc: list(m.bcc), subject: m.subject, message: m.message ?? '', html: m.html ?? '' }
      await fs.promises.mkdir(path.dirname(file), { recursive: true })
      await fs.promises.appendFile(file, JSON.stringify(entry) + '\n', { mode: 0o600 })
      this.settings.log(`quark mail (development): to ${entry.to.join(', ')} subject ${JSON.stringify(m.subject)} written to ${file}`)
      return true
    }
    try {
      const nodemailer = require('nodemailer') as typeof import('nodemailer')
      const transport = nodemailer.createTransport(this.transportOptions())
      await transport.sendMail({ from, to: list(m.to), cc: list(m.cc), bcc: list(m.bcc), replyTo: m.replyTo, subject: m.subject, text: m.message, html: m.html })
      transport.close()
      return true
    } catch (e) {
      this.error = (e as Error).message
      return false
    }
  }

  private transportOptions(): Record<string, unknown> {
    const s = this.settings.server
    if (!s) throw new QK_MAIL_NOT_CONFIGURED('no server')
    const u = new globalThis.URL(s.includes('://') ? s : `smtp://${s}`)
    const [user, pass] = this.settings.login ? [this.settings.login.slice(0, this.settings.login.indexOf(':')), this.settings.login.slice(this.settings.login.indexOf(':') + 1)] : [decodeURIComponent(u.username), decodeURIComponent(u.password)]
    const secure = this.settings.ssl || u.protocol === 'smtps:'
    return {
      host: u.hostname, port: Number(u.port || (secure ? 465 : 587)), secure,
      auth: user ? { user, pass } : undefined,
      connectionTimeout: this.settings.timeout, greetingTimeout: this.settings.timeout, socketTimeout: this.settings.timeout,
    }
  }
}

/** Read the development mail file: one object per message (tests and the IDE use it). */
export function readMailLog(file: string): Array<{ date: string; from: string; to: string[]; subject: string; message: string; html: string }> {
  if (!fs.existsSync(file)) return []
  return fs.readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
}
