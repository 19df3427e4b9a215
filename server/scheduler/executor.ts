/**
 * Runs one task at a time in a child process (child.ts) and enforces its
 * timeout by killing that process. The child is reused between tasks and
 * replaced after it was killed or died.
 */
import { fork, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { TaskSource } from './source'
import { childEntry } from '../sea'

export type OutcomeStatus = 'COMPLETED' | 'FAILED' | 'TIMEOUT' | 'STOPPED'

export interface Outcome {
  status: OutcomeStatus
  /** JSON text of the return value (COMPLETED only) */
  result?: string
  output: string
  traceback?: string
}

export interface RunSpec { functionName: string; args: unknown[]; vars: Record<string, unknown>; timeoutMs: number }

export interface RunHandle {
  promise: Promise<Outcome>
  /** kill the run now; it ends with this status */
  kill(status: 'STOPPED' | 'FAILED', reason: string): void
}

export class ChildExecutor {
  private child: ChildProcess | undefined
  private readonly childFile: string

  constructor(private readonly source: TaskSource, opts: { childFile?: string } = {}) {
    this.childFile = opts.childFile ?? childEntry('scheduler-child', path.join(__dirname, 'child.ts'))
  }

  private spawn(): ChildProcess {
    if (this.child && this.child.connected && this.child.exitCode === null && this.child.signalCode === null) return this.child
    // execArgv is inherited, so a worker started with `--import tsx` gives its child the same loader
    const child = fork(this.childFile, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    child.on('error', () => { /* reported through 'exit' */ })
    this.child = child
    return child
  }

  run(spec: RunSpec): RunHandle {
    const child = this.spawn()
    let output = ''
    let settle!: (o: Outcome) => void
    let done = false
    const promise = new Promise<Outcome>((resolve) => { settle = resolve })
    const finish = (o: Outcome) => {
      if (done) return
      done = true
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      settle(o)
    }
    const onMessage = (m: { type: string; chunk?: string; ok?: boolean; result?: string; traceback?: string }) => {
      if (m.type === 'output') output += m.chunk ?? ''
      else if (m.type === 'done') finish(m.ok ? { status: 'COMPLETED', result: m.result, output } : { status: 'FAILED', output, traceback: m.traceback })
    }
    const onExit = (code: number | null, signal: string | null) => {
      finish({ status: 'FAILED', output, traceback: `the task process exited (${signal ?? `code ${code}`}) before the task finished` })
    }
    const killWith = (o: Omit<Outcome, 'output'>) => {
      if (done) return
      child.kill('SIGKILL')
      if (this.child === child) this.child = undefined
      finish({ ...o, output })
      // start the replacement now, so the next task does not wait for a process to boot
      void this.warm()
    }
    const timer = setTimeout(() => killWith({ status: 'TIMEOUT', traceback: `killed after its timeout of ${spec.timeoutMs / 1000} s` }), spec.timeoutMs)
    child.on('message', onMessage)
    child.on('exit', onExit)
    child.send({ type: 'run', source: this.source, functionName: spec.functionName, args: spec.args, vars: spec.vars })
    return { promise, kill: (status, reason) => killWith({ status, traceback: reason }) }
  }

  /** Start the child process and load the task source in it; resolves when it is ready. */
  warm(timeoutMs = 60_000): Promise<void> {
    const child = this.spawn()
    return new Promise((resolve) => {
      const done = () => { clearTimeout(t); child.off('message', onMessage); child.off('exit', done); resolve() }
      const onMessage = (m: { type?: string }) => { if (m?.type === 'warm') done() }
      const t = setTimeout(done, timeoutMs)
      child.on('message', onMessage)
      child.on('exit', done)
      child.send({ type: 'warm', source: this.source })
    })
  }

  /** Stop the child process (worker shutdown). */
  close(): void {
    const c = this.child
    this.child = undefined
    if (c && c.exitCode === null) c.kill('SIGKILL')
  }
}
