import { DAL, Field } from './server/dal'
import { IS_NOT_EMPTY, IS_IN_SET } from './server/validators'
import { SQLFORM } from './server/forms'
const db = new DAL('sqlite://memory')
db.defineTable('owner', Field('name', 'string'), { format: '%(name)s' })
db.defineTable('thing', Field('name','string',{requires: IS_NOT_EMPTY()}), Field('owner', 'reference owner'), Field('doc', 'upload'))
;(async()=>{
const id = await db.thing.insert({name:'x'})
console.log('inserted')
const f = SQLFORM(db.thing, id, {readonly: true})
console.log('constructed')
await f.prepare()
console.log('prepared')
console.log(String(f))
})()
