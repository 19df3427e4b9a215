/**
 * Where a start's time goes, without a profiler of one's own:
 *
 *   QUARK_STARTUP_TRACE=1   one line per mark on stderr, `quark-startup <ms since the
 *                           process started> <label>` (build/measure-start.ts --trace
 *                           collects them)
 *   QUARK_CPU_PROFILE=file  a V8 CPU profile (.cpuprofile, for Chrome DevTools) from
 *                           the binary's entry to the first response; inside the binary
 *                           node's own --cpu-prof cannot be passed. Build with
 *                           `npm run build -- --no-minify` for readable names.
 *
 * Without either variable a mark costs one comparison.
 */
import type { Session } from 'node:inspector'

const enabled = process.env.QUARK_STARTUP_TRACE === '1'
const profileFile = process.env.QUARK_CPU_PROFILE
let session: Session | undefined
/** with a profile: each mark's monotonic time in µs (the profile's clock), saved beside its samples */
const marks: { label: string; us: number }[] = []

if (profileFile) {
  const inspector = require('node:inspector') as typeof import('node:inspector')
  session = new inspector.Session()
  session.connect()
  session.post('Profiler.enable')
  session.post('Profiler.setSamplingInterval', { interval: 100 })
  session.post('Profiler.start')
}

export function startupMark(label: string): void {
  if (enabled) process.stderr.write(`quark-startup ${performance.now().toFixed(1)} ${label}\n`)
  if (session) marks.push({ label, us: Number(process.hrtime.bigint() / 1000n) })
  if (session && label === 'first response') {
    const s = session
    session = undefined
    s.post('Profiler.stop', (err, r) => {
      if (!err) (require('node:fs') as typeof import('node:fs')).writeFileSync(profileFile!, JSON.stringify({ ...r.profile, quarkMarks: marks }))
      s.disconnect()
    })
  }
}

export function startupTraceEnabled(): boolean {
  return enabled || !!profileFile
}
