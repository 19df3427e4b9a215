/**
 * Issue 21's memory figures: RSS of one Quark process serving the welcome
 * app, idle after boot (and one request of each page), then after each of
 * three repeated loads of the same pages. A process that keeps growing
 * across the loads holds something per request; the target is <= 100 MB
 * after the load and no growth from the first load to the third.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runLoad } from './load'
import { get, stop, treeRss, waitReady } from './proc'
import { startQuark } from './servers'

export interface MemoryResult {
  idleBytes?: number
  /** RSS after each load */
  afterLoadBytes: number[]
  /** the pages loaded, in turn, in each load */
  paths: string[]
  secondsPerPath: number
  connections: number
  failed?: string
}

export const MEMORY_TARGET_BYTES = 100 * 2 ** 20
/** "no growth": the third load may end at most this much above the first (RSS moves a little with the allocator) */
export const MEMORY_GROWTH_SLACK = 0.05

const PATHS = ['/welcome/default/index', '/welcome/default/hello']

export async function runMemory(o: { seconds: number; connections: number; loads?: number; log(l: string): void }): Promise<MemoryResult> {
  const out: MemoryResult = { afterLoadBytes: [], paths: PATHS, secondsPerPath: o.seconds, connections: o.connections }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quark-mem-'))
  const quark = await startQuark(root, false)
  try {
    const why = await waitReady(quark, 60000)
    if (why) { out.failed = `quark ${why}`; return out }
    for (const p of PATHS) {
      const r = await get(quark.port, p, false, 30000)
      if (r.status !== 200) { out.failed = `${p} answered HTTP ${r.status}`; return out }
    }
    out.idleBytes = treeRss(quark.child.pid!)
    o.log(`  memory: idle ${mb(out.idleBytes)}`)
    for (let i = 0; i < (o.loads ?? 3); i++) {
      for (const p of PATHS) await runLoad({ port: quark.port, path: p, secure: false, seconds: o.seconds, connections: o.connections })
      const rss = treeRss(quark.child.pid!)
      if (rss === undefined) { out.failed = 'the process is gone'; return out }
      out.afterLoadBytes.push(rss)
      o.log(`  memory: after load ${i + 1} ${mb(rss)}`)
    }
    return out
  } finally {
    await stop(quark)
    fs.rmSync(root, { recursive: true, force: true })
  }
}

export function mb(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MB`
}
