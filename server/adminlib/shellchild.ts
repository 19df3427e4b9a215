/**
 * The process behind one web shell (shell.ts forks it per WebSocket): the
 * app's models run once here, then each command runs in Node's REPL
 * evaluator against that environment, so top-level `await` works and names
 * a command declares stay for the next ones. A separate process because a
 * command may loop forever: stopping it means killing this process (its
 * database connections go with it, and the databases roll the open
 * transaction back), never blocking the server.
 *
 * IPC, parent → child: {type:'init', appFolder, appName} | {type:'run', id, code}
 *                      | {type:'commit'} | {type:'rollback'}
 * child → parent: {type:'ready'} | {type:'failed', error} | {type:'result', id, ok, output, value?, table?, error?}
 *                 | {type:'done', action, error?}
 */
import repl from 'node:repl'
import util from 'node:util'
import { PassThrough } from 'node:stream'
import { transformSync } from 'esbuild'
import { appShellEnvironment } from '../environment/index'

/** what one command may print and return, at most (more is cut, with a note) */
export const MAX_OUTPUT = 64 * 1024
const MAX_TABLE_ROWS = 200

type Shell = Awaited<ReturnType<typeof appShellEnvironment>>
let shell: Shell | undefined
let server: repl.REPLServer | undefined
let printed: string[] = []
let printedSize = 0

function print(...args: unknown[]): void {
  if (printedSize > MAX_OUTPUT) return
  const line = util.format(...args)
  printed.push(line)
  printedSize += line.length + 1
}

function cut(text: string): string {
  return text.length > MAX_OUTPUT ? `${text.slice(0, MAX_OUTPUT)}\n… output truncated (${text.length} characters, ${MAX_OUTPUT} shown)` : text
}

interface Table { columns: string[]; rows: string[][]; total: number }

/** A DAL Rows (records + colnames) as a table in its field order; anything else is not one. */
function tableOf(value: unknown): Table | undefined {
  const v = value as { records?: unknown; colnames?: unknown } | null
  if (!v || typeof v !== 'object' || !Array.isArray(v.records) || !Array.isArray(v.colnames)) return undefined
  const records = v.records as Record<string, unknown>[]
  const columns = (v.colnames as unknown[]).map(String)
  const cell = (r: Record<string, unknown>, col: string): string => {
    const dot = col.indexOf('.')
    const [t, f] = dot === -1 ? ['', col] : [col.slice(0, dot), col.slice(dot + 1)]
    const nested = t && r[t] && typeof r[t] === 'object' ? (r[t] as Record<string, unknown>)[f] : undefined
    const x = nested !== undefined ? nested : r[f]
    return x === null || x === undefined ? '' : x instanceof Date ? x.toISOString() : typeof x === 'object' ? util.inspect(x, { depth: 1, breakLength: Infinity }) : String(x)
  }
  return { columns, rows: records.slice(0, MAX_TABLE_ROWS).map((r) => columns.map((c) => cell(r, c))), total: records.length }
}

function send(msg: object): void {
  process.send?.(msg)
}

async function init(appFolder: string, appName: string): Promise<void> {
  shell = await appShellEnvironment(appFolder, appName)
  const sink = new PassThrough()
  sink.resume() // the REPL's prompt and echo go nowhere: results are sent over IPC
  server = repl.start({ input: new PassThrough(), output: sink, prompt: '', terminal: false, useGlobal: false, ignoreUndefined: true })
  for (const k in shell.env) server.context[k] = shell.env[k]
  const console = { log: print, info: print, warn: print, error: print, debug: print, dir: (o: unknown) => print(util.inspect(o)), table: (o: unknown) => print(util.inspect(o)) }
  server.context.console = console
  // A throwing command never calls the evaluator's callback: the REPL hands the error to its
  // domain (and prints it to the sink). Heard first here, it fails the command; an error thrown
  // later by a command's timer lands here too and is dropped, so it cannot end the shell.
  const domain = (server as unknown as { _domain?: NodeJS.EventEmitter })._domain
  domain?.prependListener('error', (e: unknown) => {
    const pending = evaluating
    evaluating = undefined
    pending?.reject(e)
  })
  // Newer Node (the LTS the binaries embed) has no REPL domain: the REPL only records the error as
  // `lastError` and prints "Uncaught ..." to its output. Heard there, it fails the command the same way.
  if (!domain) {
    const r = server
    sink.on('data', (chunk: Buffer) => {
      if (!evaluating || !/^Uncaught\b/m.test(chunk.toString())) return
      const pending = evaluating
      evaluating = undefined
      pending.reject((r as unknown as { lastError?: unknown }).lastError ?? new Error(chunk.toString().trim()))
    })
  }
  send({ type: 'ready' })
}

/** the command being evaluated: the REPL reports its errors through its domain, not the callback */
let evaluating: { reject(e: unknown): void } | undefined

function evaluate(code: string): Promise<unknown> {
  const r = server!
  return new Promise((resolve, reject) => {
    evaluating = { reject }
    shell!.run(() => r.eval(code, r.context, 'shell', (err, value) => {
      evaluating = undefined
      if (err) reject(err); else resolve(value)
    }))
  })
}

async function run(id: number, source: string): Promise<void> {
  printed = []
  printedSize = 0
  let code: string
  try {
    code = transformSync(source, { loader: 'ts', sourcefile: 'shell.ts' }).code
  } catch (e) {
    const errors = (e as { errors?: Array<{ text: string; location?: { line: number; column: number } }> }).errors
    const error = errors?.length ? errors.map((x) => `${x.location ? `line ${x.location.line}:${x.location.column + 1}: ` : ''}${x.text}`).join('\n') : (e as Error).message
    return send({ type: 'result', id, ok: false, output: '', error: `SyntaxError: ${error}` })
  }
  try {
    const value = await evaluate(code)
    const table = tableOf(value)
    const shown = table ? undefined : value === undefined ? undefined : cut(util.inspect(value, { depth: 3, maxArrayLength: 100, maxStringLength: MAX_OUTPUT, breakLength: 100 }))
    send({ type: 'result', id, ok: true, output: cut(printed.join('\n')), value: shown, table })
  } catch (e) {
    // a failed command's changes are rolled back at once: nothing to decide
    await shell!.rollback().catch(() => {})
    send({ type: 'result', id, ok: false, output: cut(printed.join('\n')), error: cut(describeError(e)) })
  }
}

/**
 * An error as the user needs it: its message and the stack lines of their own code (the command,
 * the app's files), not Node's REPL or the framework. Errors made inside the command's context
 * are not `instanceof Error` here (another realm), so they are recognised by their stack.
 */
function describeError(e: unknown): string {
  const stack = e && typeof e === 'object' && typeof (e as { stack?: unknown }).stack === 'string' ? (e as { stack: string }).stack : undefined
  if (!stack) return util.inspect(e)
  const framework = /\(node:|node:internal|\bat bound \(|node_modules|[\\/]server[\\/][a-z]+[\\/][\w.-]+\.ts/
  return stack.split('\n').filter((l) => !/^\s+at /.test(l) || !framework.test(l)).join('\n')
}

process.on('message', (m: { type: string; id?: number; code?: string; appFolder?: string; appName?: string }) => {
  void (async () => {
    if (m.type === 'init') {
      try { await init(String(m.appFolder), String(m.appName)) } catch (e) { send({ type: 'failed', error: (e as Error).message }) }
    } else if (m.type === 'run' && shell) {
      await run(Number(m.id), String(m.code ?? ''))
    } else if ((m.type === 'commit' || m.type === 'rollback') && shell) {
      try {
        await (m.type === 'commit' ? shell.commit() : shell.rollback())
        send({ type: 'done', action: m.type })
      } catch (e) {
        await shell.rollback().catch(() => {})
        send({ type: 'done', action: m.type, error: (e as Error).message })
      }
    }
  })()
})
// the server went away (or closed the shell): leave, the databases roll back what is open
process.on('disconnect', () => process.exit(0))
