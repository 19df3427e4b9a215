/**
 * The tickets of an app: grouped by error with counts, filtered by date and
 * client IP; one ticket with the error, the TypeScript stack with source
 * lines (each linking to the editor at that line) and the request; delete
 * one, a group, or all.
 */
import nodePath from 'node:path'
import { listTickets, readTicket, deleteTicket } from '../modules/tickets'

export async function index() {
  const app = appOf()
  const date = typeof request.vars.date === 'string' && /^\d{4}(-\d{2}){0,2}$/.test(request.vars.date) ? request.vars.date : ''
  const ip = typeof request.vars.ip === 'string' ? request.vars.ip.slice(0, 60) : ''
  response.title = `Errors of ${app.name}`
  const tickets = await listTickets(app.folder, { date: date || undefined, clientIp: ip || undefined })
  const groups = admin.groupTickets(tickets)
  return {
    appName: app.name, groups, total: tickets.length, date, ip,
    crumbs: [['Site', adminUrl('default')], [`Errors of ${app.name}`, '']],
  }
}

export async function ticket() {
  const app = appOf()
  const id = String(request.args(1) ?? '')
  let t
  try { t = await readTicket(app.folder, id) } catch (e) {
    const err = e as { status?: number; message?: string }
    throw HTTP(err.status ?? 404, admin.errorBody(request, err.status ?? 404, err.message ?? 'no such ticket'))
  }
  response.title = `Ticket ${id}`
  // Frames inside the app link to the editor at their line.
  const real = nodePath.resolve(app.folder)
  const frames = (t.frames ?? []).map((f) => {
    const inApp = f.file.startsWith(real + nodePath.sep)
    const rel = inApp ? f.file.slice(real.length + 1).split(nodePath.sep).join('/') : ''
    return { ...f, rel, edit: inApp ? adminUrl('edit', 'index', [app.name], { file: rel, line: f.line }) : '' }
  })
  return {
    appName: app.name, t, frames,
    crumbs: [['Site', adminUrl('default')], [`Errors of ${app.name}`, adminUrl('errors', 'index', [app.name])], [id, '']],
  }
}

/** POST: delete one ticket (id), a group (ids, comma separated) or all of them (all=1). */
export async function delete_tickets() {
  changing()
  const app = appOf()
  let ids: string[]
  if (request.postVars.all) ids = (await listTickets(app.folder)).map((t) => t.id)
  else ids = String(request.postVars.ids ?? request.postVars.id ?? '').split(',').map((s) => s.trim()).filter(Boolean)
  let n = 0
  for (const id of ids) {
    try { if (await deleteTicket(app.folder, id)) n++ } catch { /* a bad id deletes nothing */ }
  }
  ide.say(`${n} ticket${n === 1 ? '' : 's'} deleted.`)
  redirect(adminUrl('errors', 'index', [app.name]))
}
