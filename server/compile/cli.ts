/** `quark compile <app> [--remove] [-f folder]`: the command-line handler (registered in cli/'s command table). */
import path from 'node:path'
import fs from 'node:fs'
import { compileApp, removeCompiled } from './build'
import { QK_COMPILE_NO_APP } from './errors'

const FLAGS = [
  { name: 'folder', short: 'f', value: true, help: 'folder that holds applications/ (default: current directory)' },
  { name: 'remove', help: 'delete the compiled form: the app runs from its sources again' },
  { name: 'help', short: 'h', help: 'show this help' },
]

interface Parsed { flags: Record<string, string | boolean>; positional: string[] }
interface IO { out(s: string): void; err(s: string): void }

export const compileCommand = {
  summary: "compile an app's models, controllers, modules and views into compiled/ (runs without the sources)",
  usage: 'quark compile <app> [--remove] [-f folder]',
  flags: FLAGS,
  async run(p: Parsed, io: IO): Promise<number> {
    const name = p.positional[0]
    if (!name || p.positional.length > 1) { io.err('usage: quark compile <app> [--remove] [-f folder]'); return 2 }
    const folder = path.join(path.resolve(typeof p.flags.folder === 'string' ? p.flags.folder : process.cwd()), 'applications', name)
    if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || !fs.existsSync(folder)) throw new QK_COMPILE_NO_APP(folder)
    if (p.flags.remove) {
      io.out(removeCompiled(folder) ? `removed ${path.join(folder, 'compiled')}: ${name} runs from its sources` : `${name} was not compiled`)
      return 0
    }
    const r = compileApp(folder)
    io.out(`compiled ${name}: ${r.files} files into ${r.folder} (${r.views} views precompiled; ${r.bytesIn} → ${r.bytesOut} bytes of models, controllers and modules)`)
    return 0
  },
}
