/**
 * Role-based access control data: groups, memberships, permissions, read
 * from the database on every call so that a change is seen by the next
 * request. A group is named by its id or its role.
 */
import { Auth } from './auth'
import { QK_AUTH_BAD_OPTION, QK_AUTH_NO_GROUP } from './errors'
import type { Query, Table } from '../dal'

export type GroupRef = number | string

declare module './auth' {
  interface Auth {
    addGroup(role: string, description?: string): Promise<number>
    delGroup(group: GroupRef): Promise<void>
    /** the id of the group with this role, or null */
    idGroup(role: string): Promise<number | null>
    /** the personal group of a user (user_<id>) */
    userGroup(userId?: number | null): Promise<number | null>
    addMembership(group: GroupRef, userId?: number | null): Promise<number>
    delMembership(group: GroupRef, userId?: number | null): Promise<number>
    hasMembership(group: GroupRef, userId?: number | null): Promise<boolean>
    /** the roles of a user */
    userGroups(userId?: number | null): Promise<Record<number, string>>
    addPermission(group: GroupRef, name?: string, table?: string | Table, recordId?: number): Promise<number>
    delPermission(group: GroupRef, name?: string, table?: string | Table, recordId?: number): Promise<number>
    hasPermission(name?: string, table?: string | Table, recordId?: number, userId?: number | null): Promise<boolean>
    /** the records of `table` on which the user has permission `name` (as a query) */
    accessibleQuery(name: string, table: Table, userId?: number | null): Promise<Query>
  }
}

function tableName(t: string | Table | undefined): string {
  if (t === undefined || t === null) return ''
  return typeof t === 'string' ? t : t._tablename
}

async function groupId(auth: Auth, g: GroupRef): Promise<number> {
  if (typeof g === 'number' && Number.isInteger(g)) return g
  if (typeof g === 'string' && g) {
    const id = await auth.idGroup(g)
    if (id === null) throw new QK_AUTH_NO_GROUP(JSON.stringify(g))
    return id
  }
  throw new QK_AUTH_BAD_OPTION('group', `expected a group id or role, got ${JSON.stringify(g)}`)
}

function who(auth: Auth, userId: number | null | undefined): number | null {
  return userId === undefined ? auth.userId : userId
}

Auth.prototype.addGroup = async function (role, description = '') {
  if (typeof role !== 'string' || !role.trim()) throw new QK_AUTH_BAD_OPTION('role', 'a group needs a non-empty role')
  const id = await this.tableGroup.insert({ role, description })
  await this.logEvent(`Group ${id} created`)
  return id
}

Auth.prototype.delGroup = async function (group) {
  const id = await groupId(this, group)
  await this.db(this.tableMembership.group_id.eq(id)).delete()
  await this.db(this.tablePermission.group_id.eq(id)).delete()
  await this.db(this.tableGroup.id.eq(id)).delete()
  await this.logEvent(`Group ${id} deleted`)
}

Auth.prototype.idGroup = async function (role) {
  const r = (await this.db(this.tableGroup.role.eq(role)).select(this.tableGroup.id, { limitby: [0, 1] })).first()
  return r ? (r.id as number) : null
}

Auth.prototype.userGroup = async function (userId) {
  const u = who(this, userId)
  return u === null ? null : this.idGroup(`user_${u}`)
}

Auth.prototype.addMembership = async function (group, userId) {
  const u = who(this, userId)
  if (u === null) throw new QK_AUTH_BAD_OPTION('userId', 'addMembership needs a user (nobody is logged in)')
  const g = await groupId(this, group)
  const m = this.tableMembership
  const found = (await this.db(m.user_id.eq(u).and(m.group_id.eq(g))).select(m.id, { limitby: [0, 1] })).first()
  if (found) return found.id as number
  const id = await m.insert({ user_id: u, group_id: g })
  await this.logEvent(`User ${u} added to group ${g}`)
  return id
}

Auth.prototype.delMembership = async function (group, userId) {
  const u = who(this, userId)
  if (u === null) return 0
  const g = await groupId(this, group)
  const m = this.tableMembership
  const n = await this.db(m.user_id.eq(u).and(m.group_id.eq(g))).delete()
  if (n) await this.logEvent(`User ${u} removed from group ${g}`)
  return n
}

Auth.prototype.hasMembership = async function (group, userId) {
  const u = who(this, userId)
  if (u === null) return false
  const m = this.tableMembership
  let g: number | null
  if (typeof group === 'string') g = await this.idGroup(group)
  else g = await groupId(this, group)
  if (g === null) return false
  return !(await this.db(m.user_id.eq(u).and(m.group_id.eq(g))).isEmpty())
}

Auth.prototype.userGroups = async function (userId) {
  const u = who(this, userId)
  const out: Record<number, string> = {}
  if (u === null) return out
  const m = this.tableMembership, g = this.tableGroup
  const rows = await this.db(m.user_id.eq(u).and(m.group_id.eq(g.id))).select(g.id, g.role)
  for (const r of rows) out[r.id as number] = r.role as string  // columns of one table: flat rows
  return out
}

Auth.prototype.addPermission = async function (group, name = 'any', table = '', recordId = 0) {
  const g = await groupId(this, group)
  const p = this.tablePermission
  const tn = tableName(table)
  const q = p.group_id.eq(g).and(p.name.eq(name)).and(p.table_name.eq(tn)).and(p.record_id.eq(recordId))
  const found = (await this.db(q).select(p.id, { limitby: [0, 1] })).first()
  if (found) return found.id as number
  const id = await p.insert({ group_id: g, name, table_name: tn, record_id: recordId })
  await this.logEvent(`Group ${g} given permission ${name} on ${tn || '-'} ${recordId}`)
  return id
}

Auth.prototype.delPermission = async function (group, name = 'any', table = '', recordId = 0) {
  const g = await groupId(this, group)
  const p = this.tablePermission
  const n = await this.db(p.group_id.eq(g).and(p.name.eq(name)).and(p.table_name.eq(tableName(table))).and(p.record_id.eq(recordId))).delete()
  if (n) await this.logEvent(`Group ${g} lost permission ${name} on ${tableName(table) || '-'} ${recordId}`)
  return n
}

/** the ids of the groups a user is in */
async function groupIds(auth: Auth, u: number): Promise<number[]> {
  const m = auth.tableMembership
  return (await auth.db(m.user_id.eq(u)).select(m.group_id)).asList().map((r: Record<string, unknown>) => Number(r.group_id))
}

Auth.prototype.hasPermission = async function (name = 'any', table = '', recordId = 0, userId) {
  const u = who(this, userId)
  if (u === null) return false
  const groups = await groupIds(this, u)
  if (!groups.length) return false
  const p = this.tablePermission
  // a permission on the whole table (record 0) covers each of its records, as in web2py
  const records = recordId ? [recordId, 0] : [0]
  const q = p.group_id.belongs(groups).and(p.name.eq(name)).and(p.table_name.eq(tableName(table))).and(p.record_id.belongs(records))
  return !(await this.db(q).isEmpty())
}

Auth.prototype.accessibleQuery = async function (name, table, userId) {
  const u = who(this, userId)
  const p = this.tablePermission
  const groups = u === null ? [] : await groupIds(this, u)
  if (!groups.length) return table.id.eq(-1)  // nobody: no record
  const base = p.group_id.belongs(groups).and(p.name.eq(name)).and(p.table_name.eq(table._tablename))
  if (!(await this.db(base.and(p.record_id.eq(0))).isEmpty())) return table.id.gt(0)
  const ids = (await this.db(base).select(p.record_id)).asList().map((r: Record<string, unknown>) => Number(r.record_id))
  return table.id.belongs(ids.length ? ids : [-1])
}
