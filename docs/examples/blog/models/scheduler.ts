// Background tasks, run by `quark scheduler blog` (a worker process per core you give it).
export const scheduler = new Scheduler(db, { tasks: {
  /** Counts the words of every post; queued every hour by the admin or from the shell. */
  async wordCount() {
    let words = 0
    for (const post of await db(db.post).select(db.post.body)) words += post.body.split(/\s+/).filter(Boolean).length
    return words
  },
} })
