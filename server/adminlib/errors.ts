/**
 * The errors the admin IDE raises on purpose. Each has a code, an HTTP status
 * and a message that says what was wrong with the input.
 */
import { defineError } from '../errors/index'

export const QK_ADMIN_BAD_PATH = defineError('QK_ADMIN_BAD_PATH', 400, 'Invalid file path: %s',
  'A design/edit path was empty, absolute, contained "..", an encoded form, a backslash or a NUL byte.')
export const QK_ADMIN_OUTSIDE_APP = defineError('QK_ADMIN_OUTSIDE_APP', 403, 'Path leads outside the app folder: %s',
  'The path (or a symlink on the way) resolves to a place outside the app folder.')
export const QK_ADMIN_NOT_FOUND = defineError('QK_ADMIN_NOT_FOUND', 404, 'Not found: %s',
  'The app or file named does not exist.')
export const QK_ADMIN_EXISTS = defineError('QK_ADMIN_EXISTS', 409, 'Already exists: %s',
  'Creating or renaming would overwrite an existing app or file.')
export const QK_ADMIN_CONFLICT = defineError('QK_ADMIN_CONFLICT', 409, 'The file changed on disk since it was opened: %s',
  'A save carried the hash of the version the editor opened, and the file on disk is now different.')
export const QK_ADMIN_BAD_APP_NAME = defineError('QK_ADMIN_BAD_APP_NAME', 400, 'Invalid app name: %s (use a letter, then letters, digits or _)',
  'App names must match [A-Za-z][A-Za-z0-9_]*.')
export const QK_ADMIN_BAD_PASSWORD = defineError('QK_ADMIN_BAD_PASSWORD', 400, 'Invalid admin password: %s',
  'The admin password given with --password is too short or not a string.')
export const QK_ADMIN_NO_PASSWORD = defineError('QK_ADMIN_NO_PASSWORD', 500, 'No admin password is set in %s',
  'The password file is missing or damaged; restart the server to generate one or pass --password.')
export const QK_ADMIN_CSRF = defineError('QK_ADMIN_CSRF', 403, 'Missing or invalid CSRF token',
  'Every admin action that changes something needs the token of the admin session.')
export const QK_ADMIN_DISABLED = defineError('QK_ADMIN_DISABLED', 403, 'The admin is disabled: use it from localhost or over HTTPS',
  'The admin answers only to local clients or to HTTPS requests.')
export const QK_ADMIN_LOCKED = defineError('QK_ADMIN_LOCKED', 429, 'Too many failed logins from this address; try again in %s minutes',
  'After 5 failed logins an address is locked out for a while.')
export const QK_ADMIN_TOO_LARGE = defineError('QK_ADMIN_TOO_LARGE', 413, 'File too large to edit: %s',
  'The editor opens text files up to a size limit.')
export const QK_ADMIN_TESTS_RUNNING = defineError('QK_ADMIN_TESTS_RUNNING', 409, 'The tests of %s are running: wait for them or stop them',
  'The web test runner runs one set of an app\'s tests at a time.')
export const QK_ADMIN_NOTHING_TO_COMMIT = defineError('QK_ADMIN_NOTHING_TO_COMMIT', 409, 'Nothing to commit: no file changed since the last commit',
  'A commit in the admin\'s version control needs at least one added, changed or deleted file.')
export const QK_ADMIN_BAD_VCS_INPUT = defineError('QK_ADMIN_BAD_VCS_INPUT', 400, 'Version control: %s',
  'A commit needs a message; going back needs the 40-character id of a commit of the app.')
export const QK_ADMIN_BAD_SEARCH = defineError('QK_ADMIN_BAD_SEARCH', 400, 'Search: %s',
  'Search and replace across an app takes text (or a regular expression that compiles and does not match empty text).')
