/** Retrying a lock attempt with a growing pause, up to a deadline (locks held in another process cannot be awaited). */
import { QK_SESSION_LOCK_TIMEOUT } from '../errors'

export async function retryUntil<T>(attempt: () => T | undefined | Promise<T | undefined>, waitMs: number): Promise<T> {
  const deadline = Date.now() + waitMs
  let pause = 2
  for (;;) {
    const r = await attempt()
    if (r !== undefined) return r
    if (Date.now() > deadline) throw new QK_SESSION_LOCK_TIMEOUT(String(waitMs))
    await new Promise((resolve) => setTimeout(resolve, pause))
    pause = Math.min(pause * 2, 50)
  }
}
