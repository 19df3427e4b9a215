/**
 * `quark types <app>` (run the models, write the declarations from the live
 * schema) and `quark check <app>` (then type-check models, controllers,
 * modules, tests/ and views; exit 1 on any error, each at its file:line).
 */
import fs from 'node:fs'
import path from 'node:path'
import { FOLDER, HELP, folderOf, type Command } from './commands'
import { QK_CLI_NO_APP, QK_CLI_USAGE, QK_CLI_BAD_APP_NAME } from './errors'
import { generateAppTypes, checkApp, tsconfigText } from '../environment'
import { isValidAppName } from '../dispatch'

function appOf(p: { positional: string[]; flags: Record<string, unknown> }, command: string): { name: string; folder: string } {
  const name = p.positional[0]
  if (!name) throw new QK_CLI_USAGE(`quark ${command} needs an app name: quark ${command} <app>`)
  if (!isValidAppName(name)) throw new QK_CLI_BAD_APP_NAME(name)
  const apps = path.join(folderOf(p as never), 'applications')
  const folder = path.join(apps, name)
  if (!fs.existsSync(folder)) throw new QK_CLI_NO_APP(name, apps)
  return { name, folder }
}

export const typesCommand: Command = {
  summary: "write an app's declarations (.quark/types.d.ts) from its live schema: typed db, tables, fields, rows",
  usage: 'quark types <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p, io) {
    const { name, folder } = appOf(p, 'types')
    const file = await generateAppTypes(folder, name)
    io.out(`wrote ${file}`)
    return 0
  },
}

export const checkCommand: Command = {
  summary: 'type-check an app: models, controllers, modules, tests/ and views (exit 1 on errors)',
  usage: 'quark check <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p, io) {
    const { name, folder } = appOf(p, 'check')
    await generateAppTypes(folder, name)
    const report = checkApp(folder, tsconfigText())
    for (const e of report.problems) io.out(`${e.file}:${e.line}:${e.column} - error ${e.code}: ${e.message}`)
    const n = report.problems.length
    io.out(`quark check ${name}: ${n} error${n === 1 ? '' : 's'} (${report.files} TypeScript files, ${report.views} views)`)
    return n ? 1 : 0
  },
}
