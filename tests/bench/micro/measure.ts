/**
 * Timing for the micro-benchmarks: an operation is run in batches sized to
 * take ~20 ms each, after a warm-up; the result is the median batch's CPU
 * time of the JavaScript thread per operation (Linux schedstat, ns), which,
 * unlike wall time, stays meaningful when other work shares the cores, and
 * unlike process.cpuUsage leaves out V8's background threads. `measureMany`
 * interleaves the batches of a subject and its baseline so that drift
 * (frequency, GC, the other core) hits both alike.
 */
import fs from 'node:fs'
import path from 'node:path'
import { median } from '../stats'

export interface MicroResult {
  id: string
  name: string
  usPerOp?: number
  opsPerSec?: number
  /** usPerOp / baseline's usPerOp */
  ratio?: number
  /** what the ratio is against, e.g. "of better-sqlite3" */
  baseline?: string
  note?: string
  /** why it was not measured */
  skipped?: string
}

export type Op = () => unknown

export interface MeasureOptions { warmupMs?: number; runMs?: number }

const BATCH_MS = 20

const SCHEDSTAT = `/proc/self/task/${process.pid}/schedstat`
let schedstatWorks: boolean | undefined

/** CPU time of this process's main (JavaScript) thread in µs; the whole process's where schedstat is missing. */
export function threadCpuUs(): number {
  if (schedstatWorks !== false) {
    try {
      const ns = Number(fs.readFileSync(SCHEDSTAT, 'latin1').split(' ')[0])
      if (Number.isFinite(ns)) { schedstatWorks = true; return ns / 1000 }
    } catch { /* not Linux, or no schedstats */ }
    schedstatWorks = false
  }
  const c = process.cpuUsage()
  return c.user + c.system
}

/** CPU µs per op over one batch of n calls. */
async function runBatch(op: Op, n: number): Promise<number> {
  const c0 = threadCpuUs()
  const p0 = process.cpuUsage()
  for (let i = 0; i < n; i++) {
    const r = op()
    // await only real promises: a sync op is timed without a microtask per call
    if (r && typeof (r as Promise<unknown>).then === 'function') await r
  }
  const thread = threadCpuUs() - c0
  const p = process.cpuUsage(p0)
  const proc = p.user + p.system
  // schedstat is brought up to date at scheduling events: a thread that ran a whole batch without
  // being descheduled (a quiet machine) can show no time at all. Then the process's figure is used.
  return (thread > 0.2 * proc ? thread : proc) / n
}

/** Batch size so that one batch lasts about BATCH_MS. */
async function calibrate(op: Op): Promise<number> {
  let n = 1
  for (;;) {
    const us = await runBatch(op, n)
    if (us * n >= BATCH_MS * 1000 || n >= 1 << 24) return Math.max(1, Math.round((BATCH_MS * 1000) / Math.max(us, 1e-3)))
    n *= 4
  }
}

export async function measure(op: Op, o: MeasureOptions = {}): Promise<number> {
  const [us] = await measureMany([op], o)
  return us
}

/** µs/op of each op, batches interleaved round-robin. */
export async function measureMany(ops: Op[], o: MeasureOptions = {}): Promise<number[]> {
  const warmupMs = o.warmupMs ?? 300
  const runMs = o.runMs ?? 1000
  const sizes: number[] = []
  for (const op of ops) sizes.push(await calibrate(op))
  const warmEnd = Date.now() + warmupMs
  while (Date.now() < warmEnd) for (let i = 0; i < ops.length; i++) await runBatch(ops[i], sizes[i])
  const samples: number[][] = ops.map(() => [])
  const end = Date.now() + runMs * ops.length
  do {
    for (let i = 0; i < ops.length; i++) samples[i].push(await runBatch(ops[i], sizes[i]))
  } while (Date.now() < end || samples[0].length < 5)
  return samples.map(median)
}

export function result(id: string, name: string, us: number, extra: Partial<MicroResult> = {}): MicroResult {
  return { id, name, usPerOp: us, opsPerSec: 1e6 / us, ...extra }
}

export function skipped(id: string, name: string, why: string): MicroResult {
  return { id, name, skipped: why }
}

export const ROOT = path.resolve(import.meta.dirname, '../../..')

/**
 * Load a .ts module the way the suite runs: through require when the process runs the framework's
 * own loader (server/cli/ts-hook.js, what `npm run bench` uses), else through import (tsx).
 */
export async function loadTs(file: string): Promise<Record<string, any>> {
  if (typeof require === 'function' && require.extensions?.['.ts']) return require(file) as Record<string, any>
  return (await import(file)) as Record<string, any>
}

/**
 * Import a room's public surface (server/<room>/index.ts) at run time, so the
 * suite compiles before the room exists. Returns the module or the reason it
 * cannot be used yet.
 */
export async function importRoom(room: string): Promise<{ mod?: Record<string, any>; why?: string }> {
  const file = path.join(ROOT, 'server', room, 'index.ts')
  if (!fs.existsSync(file)) return { why: `server/${room}/index.ts does not exist yet` }
  try {
    return { mod: await loadTs(file) }
  } catch (e) {
    return { why: `server/${room}/index.ts does not import: ${String((e as Error).message).split('\n')[0].slice(0, 200)}` }
  }
}
