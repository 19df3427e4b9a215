/**
 * `quark cron` in the shape of the cli room's command table
 * (server/cli/commands.ts COMMANDS): registered there as `cron: cronCli`.
 */
import type { Command } from '../cli/index'
import { cronCommand, CRON_USAGE } from './command'

export const cronCli: Command = {
  summary: 'run the crontab lines that are due, once (for a system crontab)',
  usage: CRON_USAGE,
  flags: [
    { name: 'folder', short: 'f', value: true, help: 'folder that holds applications/ (default: current directory)' },
    { name: 'app', short: 'a', value: true, help: 'only these apps (comma-separated)' },
    { name: 'help', short: 'h', help: 'show this help' },
  ],
  run(p, io) {
    const argv: string[] = []
    if (typeof p.flags.folder === 'string') argv.push('-f', p.flags.folder)
    if (typeof p.flags.app === 'string') argv.push('-a', p.flags.app)
    if (p.flags.help) argv.push('-h')
    if (p.positional.length) argv.push(...p.positional)
    return cronCommand(argv, { out: (l) => io.out(l) })
  },
}
