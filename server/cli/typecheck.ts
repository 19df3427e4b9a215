/**
 * `quark types <app>` (run the models, write the declarations from the live
 * schema) and `quark check <app>` (then type-check models, controllers,
 * modules, tests/ and views; exit 1 on any error, each at its file:line).
 */
import { FOLDER, HELP, type Command } from './commands'
import { existingApp } from './builtins'
import { generateAppTypes, checkApp, tsconfigText } from '../environment'

export const typesCommand: Command = {
  summary: "write an app's declarations (.quark/types.d.ts) from its live schema: typed db, tables, fields, rows",
  usage: 'quark types <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p, io) {
    const { name, folder } = existingApp(p, 'types')
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
    const { name, folder } = existingApp(p, 'check')
    await generateAppTypes(folder, name)
    const report = checkApp(folder, tsconfigText())
    for (const e of report.problems) io.out(`${e.file}:${e.line}:${e.column} - error ${e.code}: ${e.message}`)
    const n = report.problems.length
    io.out(`quark check ${name}: ${n} error${n === 1 ? '' : 's'} (${report.files} TypeScript files, ${report.views} views)`)
    return n ? 1 : 0
  },
}
