/**
 * `quark scheduler` in the shape of the cli room's command table
 * (server/cli/commands.ts COMMANDS): registered there as `scheduler: schedulerCli`.
 */
import type { Command } from '../cli/index'
import { schedulerCommand, SCHEDULER_USAGE } from './command'

export const schedulerCli: Command = {
  summary: "start worker processes for an app's scheduler tasks",
  usage: SCHEDULER_USAGE,
  flags: [
    { name: 'folder', short: 'f', value: true, help: 'folder that holds applications/ (default: current directory)' },
    { name: 'workers', short: 'n', value: true, help: 'number of worker processes (default 1)' },
    { name: 'group', short: 'g', value: true, help: 'task groups to run (comma-separated; default main)' },
    { name: 'module', value: true, help: 'run the Scheduler exported by a plain module instead of an app' },
    { name: 'help', short: 'h', help: 'show this help' },
  ],
  run(p, io) {
    const argv: string[] = [...p.positional]
    for (const [flag, name] of [['-f', 'folder'], ['-n', 'workers'], ['-g', 'group'], ['--module', 'module']] as const) {
      if (typeof p.flags[name] === 'string') argv.push(flag, p.flags[name] as string)
    }
    if (p.flags.help) argv.push('-h')
    return schedulerCommand(argv, { out: (l) => io.out(l), err: (l) => io.err(l) })
  },
}
