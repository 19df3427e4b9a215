/**
 * The small hooks other rooms need so the server runs inside the binary
 * (where welcome-app/, admin/, the browser assets, Monaco and the scheduler's
 * child entries are not files of a checkout).
 * Each is an exact text replacement in a file the lead or the room's owner
 * applies once:
 *
 *   node --import tsx build/apply-sea-hooks.ts          apply (idempotent: an applied hook is skipped)
 *   node --import tsx build/apply-sea-hooks.ts --check  only report what would change or no longer matches
 *
 * A hook whose text no longer matches (its owner changed the line) is reported,
 * never guessed.
 */
import fs from 'node:fs'
import path from 'node:path'

type Hook = [before: string, after: string]

export const HOOKS: Record<string, Hook[]> = {
  "server/cli/start.ts": [
    ["import { createHandler, optionalRoom } from '../environment'\n",
     "import { createHandler, optionalRoom } from '../environment'\nimport { isSea, projectFolder, startupMark } from '../sea'\n"],
    ["export function copyScaffold(dest: string): void {\n  fs.cpSync(WELCOME_APP, dest, {",
     "export function copyScaffold(dest: string): void {\n  const from = isSea() ? projectFolder('welcome-app') : WELCOME_APP\n  fs.cpSync(from, dest, {"],
    ["const rel = path.relative(WELCOME_APP, src)",
     "const rel = path.relative(from, src)"],
    ["!fs.existsSync(path.join(apps, 'welcome')) && fs.existsSync(WELCOME_APP)) {",
     "!fs.existsSync(path.join(apps, 'welcome')) && (isSea() || fs.existsSync(WELCOME_APP))) {"],
    ["const admin = path.join(CHECKOUT, 'admin')",
     "const admin = isSea() ? projectFolder('admin') : path.join(CHECKOUT, 'admin')"],
    ["assets: assetTable(CHECKOUT),",
     "assets: assetTable(isSea() ? projectFolder('project-files') : CHECKOUT),"],
  ],
  // (the built-in commands moved from commands.ts to builtins.ts when the command table became lazy)
  "server/cli/commands.ts": [
    ["import type { FlagSpec, Parsed } from './args'\n",
     "import type { FlagSpec, Parsed } from './args'\nimport { binaryFolder } from '../sea'\n"],
    ["typeof p.flags.folder === 'string' ? p.flags.folder : process.cwd())",
     "typeof p.flags.folder === 'string' ? p.flags.folder : (binaryFolder() ?? process.cwd()))"],
  ],
  "server/cli/builtins.ts": [
    ["import { QK_CLI_APP_EXISTS,",
     "import { openBrowser } from '../sea'\nimport { QK_CLI_APP_EXISTS,"],
    ["    { name: 'quiet', short: 'q', help: 'do not log one line per request' },",
     "    { name: 'quiet', short: 'q', help: 'do not log one line per request' },\n    { name: 'no-browser', help: 'do not open a browser on the welcome page' },"],
    ["      io.out(`Quark serving ${folder}/applications at ${site}/ (${what})`)\n",
     "      io.out(`Quark serving ${folder}/applications at ${site}/ (${what})`)\n      if (!p.flags['no-browser']) openBrowser(`${site}/welcome/default/index`)\n"],
  ],
  // (server/dal/dialects/sqlite.ts opens its database through dal/drivers' openSqlite since issue 18: no hook)
  "server/environment/types.ts": [
    ["const SERVER = path.resolve(__dirname, '..')\nconst CHECKOUT = path.resolve(SERVER, '..')",
     "// inside the binary the framework's sources are extracted to the user cache, in the checkout's layout\nconst CHECKOUT = isSea() ? projectFolder('project-files') : path.resolve(__dirname, '..', '..')\nconst SERVER = path.join(CHECKOUT, 'server')"],
    ["import { nameSources, optionalRoom } from './names'\n",
     "import { nameSources, optionalRoom } from './names'\nimport { isSea, projectFolder } from '../sea'\n"],
  ],
  "server/adminlib/editortypes.ts": [
    ["const SERVER = path.resolve(__dirname, '..')",
     "import { isSea, projectFolder } from '../sea'\nconst SERVER = isSea() ? path.join(projectFolder('project-files'), 'server') : path.resolve(__dirname, '..')"],
  ],
  "server/adminlib/index.ts": [
    ["  return path.join(__dirname, '..', '..', 'welcome-app')",
     "  return isSea() ? projectFolder('welcome-app') : path.join(__dirname, '..', '..', 'welcome-app')"],
    ["  const root = path.join(__dirname, '..', '..')",
     "  const root = isSea() ? projectFolder('project-files') : path.join(__dirname, '..', '..')"],
    ["import { monacoFolder } from './monaco'\n",
     "import { monacoFolder } from './monaco'\nimport { isSea, projectFolder } from '../sea'\n"],
  ],
  "server/adminlib/monaco.ts": [
    ["  if (!monacoRoot) monacoRoot = fs.realpathSync(path.dirname(require.resolve('monaco-editor')))",
     "  if (!monacoRoot) monacoRoot = fs.realpathSync(isSea() ? projectFolder('monaco-vs') : path.dirname(require.resolve('monaco-editor')))"],
    ["import { checkRelativePath } from './paths'",
     "import { checkRelativePath } from './paths'\nimport { isSea, projectFolder } from '../sea'"],
  ],
  "server/scheduler/command.ts": [
    ["return fork(path.join(__dirname, 'worker-main.ts'), [], {",
     "return fork(childEntry('scheduler-worker', path.join(__dirname, 'worker-main.ts')), [], {"],
    ["import { QK_SCHED_BAD_ARGS } from './errors'\n",
     "import { QK_SCHED_BAD_ARGS } from './errors'\nimport { childEntry } from '../sea'\n"],
  ],
  "server/scheduler/executor.ts": [
    ["this.childFile = opts.childFile ?? path.join(__dirname, 'child.ts')",
     "this.childFile = opts.childFile ?? childEntry('scheduler-child', path.join(__dirname, 'child.ts'))"],
    ["import type { TaskSource } from './source'\n",
     "import type { TaskSource } from './source'\nimport { childEntry } from '../sea'\n"],
  ],
  "server/html/index.ts": [
    ["export const clientScriptPath = path.join(__dirname, 'client', 'quark.js')",
     "export const clientScriptPath = isSea() ? path.join(projectFolder('project-files'), 'server', 'html', 'client', 'quark.js') : path.join(__dirname, 'client', 'quark.js')"],
    ["import path from 'node:path'\n",
     "import path from 'node:path'\nimport { isSea, projectFolder } from '../sea'\n"],
  ],
  "server/adminlib/actions.ts": [
    ["import ts from 'typescript'\n",
     "import type * as TS from 'typescript'\n\n// Loaded on first use: the compiler is ~9 MB of JavaScript, too much to evaluate on every start.\nlet tsLib: typeof TS | undefined\nconst typescript = (): typeof TS => (tsLib ??= require('typescript') as typeof TS)\n"],
    ["function exported(node: ts.Node): boolean {\n",
     "function exported(node: TS.Node): boolean {\n  const ts = typescript()\n"],
    ["export function listControllerActions(source: string, fileName = 'controller.ts'): ControllerAction[] {\n",
     "export function listControllerActions(source: string, fileName = 'controller.ts'): ControllerAction[] {\n  const ts = typescript()\n"],
    ["const add = (name: string, node: ts.Node) => {",
     "const add = (name: string, node: TS.Node) => {"],
  ],
  "server/environment/names.ts": [
    ["?? (() => require(`../${room}`)))()",
     "?? (() => dynamicRequire(`../${room}`)))()"],
    ["const loaded = new Map<string, Record<string, unknown> | undefined>()\n",
     "const loaded = new Map<string, Record<string, unknown> | undefined>()\n// Not `require` itself: a bundler would pull every file under server/ into the bundle for `../${room}`.\nconst dynamicRequire: (id: string) => Record<string, unknown> = require\n"],
  ],
  "server/http/certificate.ts": [
    ["import { generate } from 'selfsigned'\n",
     "import type { generate as Generate } from 'selfsigned'\n"],
    ["  const pems = await generate(",
     "  // loaded only when a certificate must be made: selfsigned and its ASN.1 stack cost ~140 ms to load\n  const { generate } = require('selfsigned') as { generate: typeof Generate }\n  const pems = await generate("],
  ],
}

export function applyHooks(root: string, check: boolean): { applied: string[]; already: string[]; missing: string[] } {
  const applied: string[] = []
  const already: string[] = []
  const missing: string[] = []
  for (const [rel, hooks] of Object.entries(HOOKS)) {
    const file = path.join(root, rel)
    let text = fs.readFileSync(file, 'utf8')
    hooks.forEach(([before, after], i) => {
      const id = `${rel} #${i + 1}`
      if (text.includes(after)) already.push(id)
      else if (text.includes(before)) { text = text.replace(before, after); applied.push(id) }
      else missing.push(id)
    })
    if (!check) fs.writeFileSync(file, text)
  }
  return { applied, already, missing }
}

if (require.main === module) {
  const check = process.argv.includes('--check')
  const r = applyHooks(path.resolve(__dirname, '..'), check)
  console.log(`${check ? 'would apply' : 'applied'}: ${r.applied.length}, already there: ${r.already.length}, no longer matching: ${r.missing.length}`)
  for (const m of r.missing) console.log(`  no match: ${m} (see HOOKS in build/apply-sea-hooks.ts)`)
  process.exitCode = r.missing.length ? 1 : 0
}
