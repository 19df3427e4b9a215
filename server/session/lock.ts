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
  if (prev) await prev
  let released = false
  return () => {
    if (released) return
    released = true
    release()
    if (tails.get(key) === tail) tails.delete(key)
  }
}
