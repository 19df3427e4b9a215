/** `quark pack <app> [file]` and `quark unpack <file> <app>`: command-line handlers (registered in cli/'s command table). */
import path from 'node:path'
import fs from 'node:fs'
import { packApp, unpackApp } from './w2t'
import { QK_PACK_NO_APP, QK_PACK_BAD_NAME } from './errors'

interface Parsed { flags: Record<string, string | boolean>; positional: string[] }
interface IO { out(s: string): void; err(s: string): void }

const FOLDER = { name: 'folder', short: 'f', value: true, help: 'folder that holds applications/ (default: current directory)' }
const HELP = { name: 'help', short: 'h', help: 'show this help' }
const appsOf = (p: Parsed) => path.join(path.resolve(typeof p.flags.folder === 'string' ? p.flags.folder : process.cwd()), 'applications')

export const packCommand = {
  summary: 'pack an app into one .w2t file (without sessions, errors, cache)',
  usage: 'quark pack <app> [file.w2t] [--databases] [--uploads] [-f folder]',
  flags: [FOLDER, { name: 'databases', help: 'include databases/' }, { name: 'uploads', help: 'include uploads/' }, HELP],
  async run(p: Parsed, io: IO): Promise<number> {
    const name = p.positional[0]
    if (!name || p.positional.length > 2) { io.err(`usage: ${packCommand.usage}`); return 2 }
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name)) throw new QK_PACK_BAD_NAME(name)
    const folder = path.join(appsOf(p), name)
    if (!fs.existsSync(folder)) throw new QK_PACK_NO_APP(folder)
    const out = path.resolve(p.positional[1] ?? `quark.app.${name}.w2t`)
    const data = packApp(folder, { databases: !!p.flags.databases, uploads: !!p.flags.uploads })
    fs.writeFileSync(out, data)
    io.out(`packed ${name} into ${out} (${data.length} bytes)`)
    return 0
  },
}

export const unpackCommand = {
  summary: 'install a .w2t file as a new app (every entry checked first)',
  usage: 'quark unpack <file.w2t> <app> [-f folder]',
  flags: [FOLDER, HELP],
  async run(p: Parsed, io: IO): Promise<number> {
    const [file, name] = p.positional
    if (!file || !name || p.positional.length > 2) { io.err(`usage: ${unpackCommand.usage}`); return 2 }
    const r = unpackApp(fs.readFileSync(path.resolve(file)), appsOf(p), name)
    io.out(`installed ${name} in ${r.folder} (${r.files} files)`)
    return 0
  },
}
