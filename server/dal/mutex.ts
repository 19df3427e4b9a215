/**
 * An async mutex. SQLite has one connection per file per process, so a
 * request's transaction holds this from its first statement to its
 * commit/rollback; other requests await their turn instead of blocking the
 * event loop in a busy wait.
 */
export class Mutex {
  private locked = false
  private waiters: Array<() => void> = []

  get isLocked(): boolean { return this.locked }

  /** Take the lock now if free (returns true), else false. */
  tryLock(): boolean {
    if (this.locked) return false
    this.locked = true
    return true
  }

  lock(): Promise<void> {
    if (!this.locked) { this.locked = true; return Promise.resolve() }
    return new Promise((resolve) => this.waiters.push(resolve))
  }

  unlock(): void {
    const next = this.waiters.shift()
    if (next) next()  // ownership passes straight to the next waiter
    else this.locked = false
  }
}
