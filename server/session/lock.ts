/**
 * A per-key async lock: requests of one session run their load → action →
 * save one after the other, so concurrent requests never tear a session
 * (web2py locks the session file for the same reason).
 */
const tails = new Map<string, Promise<void>>()

/** Wait for the key's lock; resolves with the release function. */
export async function acquire(key: string): Promise<() => void> {
  const prev = tails.get(key)
  let release!: () => void
  const mine = new Promise<void>((r) => { release = r })
  const tail = prev ? prev.then(() => mine) : mine
  tails.set(key, tail)
  // no holder: no await (an await is a tick on every session request)
  if (prev) await prev
  // idempotent without a flag: a second call resolves a settled promise and finds its tail gone or replaced
  return () => {
    release()
    // only the last holder's release forgets the key (a later request's tail must stay); forgetting it keeps
    // the map as small as the sessions in use
    if (tails.get(key) === tail) tails.delete(key)
  }
}

/** How many keys are held or waited for (a diagnostic: released keys are forgotten). */
export function heldLocks(): number {
  return tails.size
}
