/**
 * The process a worker runs tasks in (node child_process.fork), so a task
 * that outlives its timeout, or is stopped, can be killed without killing
 * the worker. It stays alive between tasks (starting Node and loading the
 * app costs far more than a task usually does) and is replaced after a kill.
 *
 * Protocol (IPC): parent → { type: 'run', source, functionName, args, vars }
 * child → { type: 'output', chunk } while running, then
 *         { type: 'done', ok, result?, traceback? }
 */
import { resolveTaskFunction, schedulerFromModule, type TaskSource } from './source'

interface RunMessage { type: 'run'; source: TaskSource; functionName: string; args: unknown[]; vars: Record<string, unknown> }
interface WarmMessage { type: 'warm'; source: TaskSource }

const MAX_OUTPUT = 1024 * 1024

function send(msg: unknown): Promise<void> {
  return new Promise((resolve) => process.send!(msg, undefined, {}, () => resolve()))
}

async function run(msg: RunMessage): Promise<void> {
  let sent = 0
  const capture = (chunk: unknown): boolean => {
    const s = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk)
    if (sent < MAX_OUTPUT) {
      const part = s.slice(0, MAX_OUTPUT - sent)
      sent += part.length
      void send({ type: 'output', chunk: part })
    }
    return true
  }
  const out = process.stdout.write
  const err = process.stderr.write
  process.stdout.write = capture as typeof process.stdout.write
  process.stderr.write = capture as typeof process.stderr.write
  try {
    const result = await resolveTaskFunction(msg.source, msg.functionName, msg.args, msg.vars)
    let json: string
    try {
      json = JSON.stringify(result === undefined ? null : result)
    } catch (e) {
      throw new Error(`the task's result is not JSON-serialisable: ${(e as Error).message}`)
    }
    process.stdout.write = out
    process.stderr.write = err
    await send({ type: 'done', ok: true, result: json })
  } catch (e) {
    process.stdout.write = out
    process.stderr.write = err
    await send({ type: 'done', ok: false, traceback: e instanceof Error ? e.stack ?? e.message : String(e) })
  }
}

let queue: Promise<void> = Promise.resolve()
process.on('message', (msg: RunMessage | WarmMessage) => {
  if (msg?.type === 'run') queue = queue.then(() => run(msg))
  else if (msg?.type === 'warm') {
    // load what the first task needs before it is due, so its latency is the task's own
    queue = queue.then(async () => {
      try { if (msg.source.kind === 'module') schedulerFromModule(msg.source.file) } catch { /* the run reports it */ }
      await send({ type: 'warm' })
    })
  }
})
// the worker is gone: nothing left to run for
process.on('disconnect', () => process.exit(0))
