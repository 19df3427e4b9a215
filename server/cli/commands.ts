/**
 * The command table of `quark`. Each command declares its flags, its help
 * and what it does; later commands (cron, scheduler, compile, pack, unpack,
 * test) are added to LOADERS by the rooms that own them.
 *
 * The table is lazy: an entry is a loader, and the module that implements
 * the command is required the first time its flags, usage or run() are
 * needed. So `quark --version` and (in the binary) `quark --help` evaluate
 * none of the rooms, and `quark run` only what serving needs
 * (tests/binary/startup.test.ts checks it).
 */
import path from 'node:path'
import type { FlagSpec, Parsed } from './args'
import { binaryFolder } from '../sea'

export interface Command {
  summary: string
  usage: string
  flags: FlagSpec[]
  run(p: Parsed, io: IO): Promise<number>
}

export interface IO { out(s: string): void; err(s: string): void }

export const FOLDER: FlagSpec = { name: 'folder', short: 'f', value: true, help: 'folder that holds applications/ (default: current directory)' }
export const HELP: FlagSpec = { name: 'help', short: 'h', help: 'show this help' }

export function folderOf(p: Parsed): string {
  return path.resolve(typeof p.flags.folder === 'string' ? p.flags.folder : (binaryFolder() ?? process.cwd()))
}

/**
 * A command whose module is required on first use of its usage, flags or
 * run(); its summary too, unless `summary` is given (the bundle's, below).
 */
export function lazyCommand(load: () => Command, summary?: string): Command {
  let cmd: Command | undefined
  const get = (): Command => (cmd ??= load())
  return {
    get summary() { return summary ?? get().summary },
    get usage() { return get().usage },
    get flags() { return get().flags },
    run: (p, io) => get().run(withFolder(p, get()), io),
  }
}

/**
 * Every command that takes -f gets the same default folder (the binary's folder, else the current
 * one), decided here once: pack, unpack and compile, in rooms below cli/, read only p.flags.folder.
 */
function withFolder(p: Parsed, cmd: Command): Parsed {
  if (typeof p.flags.folder === 'string' || !cmd.flags.some((f) => f.name === 'folder')) return p
  return { ...p, flags: { ...p.flags, folder: folderOf(p) } }
}

/**
 * Inside the binary, the summaries as the commands declared them when it was
 * built (build/bundle.ts reads them), so `quark --help` loads no command.
 */
const BUILT_SUMMARIES: Record<string, string> | undefined =
  process.env.QUARK_BUNDLED === '1' ? require('quark:command-summaries') : undefined

// Literal require() calls, so the bundler follows them; each runs only when its command is used.
type Builtins = typeof import('./builtins')
const LOADERS: Record<string, () => Command> = {
  run: () => (require('./builtins') as Builtins).run,
  reload: () => (require('./builtins') as Builtins).reload,
  new: () => (require('./builtins') as Builtins).newApp,
  shell: () => (require('./builtins') as Builtins).shell,
  test: () => (require('./builtins') as Builtins).test,
  pack: () => (require('../pack') as typeof import('../pack')).packCommand,
  unpack: () => (require('../pack') as typeof import('../pack')).unpackCommand,
  compile: () => (require('../compile') as typeof import('../compile')).compileCommand,
  cron: () => (require('../cron') as typeof import('../cron')).cronCli,
  scheduler: () => (require('../scheduler') as typeof import('../scheduler')).schedulerCli,
  routes: () => (require('./routes') as typeof import('./routes')).routesCommand,
  types: () => (require('./typecheck') as typeof import('./typecheck')).typesCommand,
  check: () => (require('./typecheck') as typeof import('./typecheck')).checkCommand,
  languages: () => (require('./languages') as typeof import('./languages')).languagesCommand,
}

export const COMMANDS: Record<string, Command> = Object.fromEntries(
  Object.entries(LOADERS).map(([name, load]) => [name, lazyCommand(load, BUILT_SUMMARIES?.[name])]))
