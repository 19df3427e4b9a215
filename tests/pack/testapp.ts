// A small app with a database, a conditional model, a controller and views, shared by the pack / compile / dbadmin tests.
export const SHOP_APP: Record<string, string> = {
  'models/db.ts': `
export const db = new DAL('sqlite://storage.sqlite')
db.defineTable('thing', Field('name', 'string', { requires: IS_NOT_EMPTY() }), Field('value', 'integer', { default: 0 }))
interface Price { amount: number }
export const price: Price = { amount: 42 }
`,
  'models/default/about/extra.ts': `export const extra = 'conditional model ran'`,
  'controllers/default.ts': `
export async function index() {
  if (await db(db.thing).isEmpty()) { await db.thing.insert({ name: 'apple', value: 1 }); await db.thing.insert({ name: 'banana', value: 7 }) }
  const rows = await db(db.thing).select({ orderby: db.thing.name })
  return { message: 'Shop of things', names: rows.asList().map((r: any) => r.name), amount: price.amount }
}
export function about() { return { extra } }
export function plain(): string { return 'plain ' + price.amount }
`,
  'views/default/index.html': `<html><body><h1>{{=message}}</h1><ul>{{ for (const n of names) { }}<li>{{=n}}</li>{{ } }}</ul><p>{{=amount}}</p></body></html>`,
  'views/default/about.html': `<p id="extra">{{=extra}}</p>`,
}
