// The scheduler of the fault runs, as its worker processes load it (a plain module exporting a
// Scheduler): the database comes from QUARK_REL_SCHED_URI, marks go to QUARK_REL_SCHED_MARKS.
// `work` appends "start <key>" and "done <key>" (O_APPEND: whole lines) around a sleep, so the
// test counts real starts and completions.
import fs from 'node:fs'
import { DAL } from '../../../server/dal/index'
import { Scheduler } from '../../../server/scheduler/index'

export function makeScheduler(uri: string, marks: string): Scheduler {
  const db = new DAL(uri)
  return new Scheduler(db, {
    tasks: {
      work: (key: string, ms: number) => new Promise((resolve) => {
        fs.appendFileSync(marks, `start ${key} ${process.pid}\n`)
        setTimeout(() => { fs.appendFileSync(marks, `done ${key} ${process.pid}\n`); resolve(key) }, ms)
      }),
    },
  })
}

export const scheduler = process.env.QUARK_REL_SCHED_URI ? makeScheduler(process.env.QUARK_REL_SCHED_URI, process.env.QUARK_REL_SCHED_MARKS!) : undefined
