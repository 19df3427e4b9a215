/**
 * QUARK_CRON_TEST_CLOCK=<startMs>:<epochMs>:<speed> (tests only): cron's clock reads startMs at real time
 * epochMs and runs `speed` times faster, the same in every process given the same value, so tests of
 * several processes (servers and `quark cron` alike) see minutes pass in seconds.
 */
export function testClock(): (() => Date) | undefined {
  const v = process.env.QUARK_CRON_TEST_CLOCK
  if (!v) return undefined
  const [start, epoch, speed] = v.split(':').map(Number)
  if (!Number.isFinite(start) || !Number.isFinite(epoch) || !(speed! > 0)) return undefined
  return () => new Date(start! + (Date.now() - epoch!) * speed!)
}
