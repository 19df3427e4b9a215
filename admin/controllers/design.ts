/**
 * The design page of one app: its files by kind (controllers with their
 * actions linked to their URLs), and create / rename / delete / upload.
 * Paths are relative to the app folder and confined to it by adminlib.
 */
import fs from 'node:fs'
import { dbadminlib } from '../modules/dbadminlib'

export function index() {
  const app = appOf()
  response.title = `Design ${app.name}`
  const files = admin.listAppFiles(app.folder)
  const actions: Record<string, { name: string; line: number }[]> = {}
  for (const f of files.controllers) {
    if (!f.path.endsWith('.ts')) continue
    try { actions[f.path] = admin.listControllerActions(fs.readFileSync(`${app.folder}/${f.path}`, 'utf8'), f.path) } catch { actions[f.path] = [] }
  }
  return {
    appName: app.name, files, actions, kinds: admin.FILE_KINDS, compiled: dbadminlib.compile.isCompiled(app.folder),
    crumbs: [['Site', adminUrl('default')], [`Design ${app.name}`, '']],
  }
}

function back(app: string, message: string): never {
  admin.forgetCompiled(appOf(app).folder)
  ide.say(message)
  redirect(adminUrl('design', 'index', [app]))
}

export function create_file() {
  changing()
  const app = appOf()
  const path = String(request.postVars.path ?? '').trim()
  attempt(() => admin.createAppFile(app.folder, path))
  if (request.postVars.open) redirect(adminUrl('edit', 'index', [app.name], { file: path }))
  back(app.name, `Created ${path}.`)
}

export function rename_file() {
  changing()
  const app = appOf()
  const from = String(request.postVars.from ?? ''), to = String(request.postVars.to ?? '').trim()
  attempt(() => admin.renameAppFile(app.folder, from, to))
  back(app.name, `Renamed ${from} to ${to}.`)
}

export function delete_file() {
  changing()
  const app = appOf()
  const path = String(request.postVars.path ?? '')
  attempt(() => admin.deleteAppFile(app.folder, path))
  back(app.name, `Deleted ${path}.`)
}

export function upload_file() {
  changing()
  const app = appOf()
  const file = request.files?.[0]
  if (!file) throw HTTP(400, admin.errorBody(request, 400, 'Choose a file to upload.'))
  const folder = String(request.postVars.folder ?? 'static').replace(/\/+$/, '')
  const name = String(request.postVars.name || file.filename).split(/[\\/]/).pop() ?? ''
  const path = `${folder}/${name}`
  attempt(() => admin.uploadAppFile(app.folder, path, fs.readFileSync(file.path), !!request.postVars.overwrite))
  back(app.name, `Uploaded ${path} (${admin.humanSize(file.size)}).`)
}
