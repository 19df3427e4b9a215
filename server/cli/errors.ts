/** Errors the CLI raises on purpose. */
import { defineError } from '../errors'

export const QK_CLI_USAGE = defineError('QK_CLI_USAGE', 400, '%s', 'A command was called with an unknown flag, a missing value or a missing argument.')
export const QK_CLI_APP_EXISTS = defineError('QK_CLI_APP_EXISTS', 400, 'An app named %s already exists in %s', '`quark new` refuses to overwrite an existing app.')
export const QK_CLI_BAD_APP_NAME = defineError('QK_CLI_BAD_APP_NAME', 400, 'Invalid app name "%s": use letters, digits and _ (not first), at most 64 characters', '`quark new` and `quark shell` take names matching [A-Za-z0-9_].')
export const QK_CLI_NO_APP = defineError('QK_CLI_NO_APP', 404, 'No app named %s in %s', 'The app named on the command line does not exist in <folder>/applications.')
export const QK_CLI_NOT_RUNNING = defineError('QK_CLI_NOT_RUNNING', 404, 'No server with --workers is running here (%s is missing or names a process that is gone)', '`quark reload` finds the primary of `quark run --workers N` through <folder>/quark.pid; start the server with --workers to reload it.')
export const QK_CLI_RELOAD_FAILED = defineError('QK_CLI_RELOAD_FAILED', 409, 'The reload did not finish: %s', 'The primary was signalled but did not report a finished reload (a new worker failed to start: the old ones keep serving).')
