import fs from 'node:fs'
import { DAL, Field } from './server/dal'
async function main() {
  fs.rmSync('/tmp/qb4', { recursive: true, force: true })
  const db = new DAL('sqlite://bench.sqlite', { folder: '/tmp/qb4' })
  db.defineTable('thing', Field('name', 'string'), Field('value', 'integer', { default: 0 }))
  for (let i = 0; i < 100; i++) await db.thing.insert({ name: `thing ${String(i).padStart(3, '0')}`, value: i + 1 })
  const N = 100000
  for (let i = 0; i < N; i++) await db(db.thing.value.gt(0)).select({ orderby: db.thing.name, limitby: [0, 10] })
}
main()
