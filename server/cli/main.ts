/**
 * `quark <command> [flags]`: looks the command up in the table, parses its
 * flags, prints help or a clear error, and sets the exit code.
 */
import { parseArgs, flagHelp } from './args'
import { COMMANDS, type IO } from './commands'
import { isQuarkError } from '../errors'
import pkg from '../../package.json'
import { isSea, manifest } from '../sea'

export const VERSION: string = pkg.version

/** `quark --version`: the version; the binary adds the Node it embeds and its target (issue 18). */
export function versionLine(): string {
  return isSea() ? `${VERSION} (node ${process.version}, ${manifest().target ?? `${process.platform}-${process.arch}`})` : VERSION
}

function mainHelp(): string {
  const rows = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`).join('\n')
  return `quark ${VERSION}: a full-stack web framework in TypeScript\n\nUsage: quark [command] [flags]   (no command: run)\n\nCommands:\n${rows}\n\n` +
    `  quark <command> --help   flags of a command\n  quark --version          the version\n`
}

export async function main(argv: string[], io: IO = { out: (s) => console.log(s), err: (s) => console.error(s) }): Promise<number> {
  if (argv[0] === '--version' || argv[0] === '-v') { io.out(versionLine()); return 0 }
  if (argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const c = argv[1] && COMMANDS[argv[1]]
    io.out(c ? commandHelp(argv[1]!) : mainHelp())
    return 0
  }
  let name = 'run'
  let rest = argv
  if (argv[0] && !argv[0].startsWith('-')) { name = argv[0]; rest = argv.slice(1) }
  const cmd = COMMANDS[name]
  if (!cmd) { io.err(`quark: unknown command "${name}"\n\n${mainHelp()}`); return 2 }
  try {
    const p = parseArgs(rest, cmd.flags)
    if (p.flags.help) { io.out(commandHelp(name)); return 0 }
    return await cmd.run(p, io)
  } catch (e) {
    if (isQuarkError(e) && e.status < 500) { io.err(`quark ${name}: ${e.message}`); return e.status === 404 ? 3 : 2 }
    io.err(`quark ${name}: ${(e as Error)?.stack ?? String(e)}`)
    return 1
  }
}

function commandHelp(name: string): string {
  const c = COMMANDS[name]!
  return `${c.usage}\n\n${c.summary}\n\nFlags:\n${flagHelp(c.flags)}\n`
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (e) => { console.error(e); process.exitCode = 1 })
}
