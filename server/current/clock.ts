/**
 * A coarse clock for throttles (re-stat a file at most every N ms, re-list a folder, ...).
 *
 * Reading the time costs ~70 ns on this kind of machine (a virtual clock), and the request path
 * asked it about ten times per request, each to decide whether a cached file is due for a check.
 * Those checks only need the time to within a few milliseconds, so an unref'd timer refreshes one
 * number every TICK_MS and a request reads that number. Never use it for what is stored or shown.
 */
const TICK_MS = 20

let now = 0
let timer: ReturnType<typeof setInterval> | undefined

/** Milliseconds since the epoch, at most TICK_MS old (a little more while the event loop is busy). */
export function throttleNow(): number {
  if (timer === undefined) {
    now = Date.now()
    timer = setInterval(() => { now = Date.now() }, TICK_MS)
    timer.unref()
  }
  return now
}
