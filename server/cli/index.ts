/**
 * cli/: the `quark` command.
 *
 *   main(argv, io?) → exit code;  COMMANDS (the command table: add commands here)
 *   startQuark(StartOptions) → QuarkServer { url, port, folder, registry, close() }
 *   copyScaffold(dest), CHECKOUT, WELCOME_APP, VERSION
 */
export { main, VERSION } from './main'
export { COMMANDS, FOLDER, HELP, folderOf, type Command, type IO } from './commands'
export { startQuark, copyScaffold, CHECKOUT, WELCOME_APP, type StartOptions, type QuarkServer } from './start'
export { parseArgs, flagHelp, type FlagSpec, type Parsed } from './args'
export * from './errors'
