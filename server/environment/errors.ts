/** Errors the environment room raises on purpose. */
import { defineError } from '../errors'

export const QK_ENV_COMPILE = defineError('QK_ENV_COMPILE', 500, 'Cannot compile %s: %s', 'An app file has a syntax error; the ticket shows the file and line.')
export const QK_ENV_MODULE_NOT_FOUND = defineError('QK_ENV_MODULE_NOT_FOUND', 500, "Cannot find module '%s' from %s", 'A relative import of an app file points to no file inside the app.')
export const QK_ENV_MODULE_OUTSIDE = defineError('QK_ENV_MODULE_OUTSIDE', 500, "Module '%s' from %s leads outside the app folder", 'App code may import its own files, node built-ins and packages, never files of another app.')
export const QK_ENV_NO_VIEW = defineError('QK_ENV_NO_VIEW', 404, 'Invalid view: %s', 'No view for this action and extension, and generic views are not allowed for it.')
export const QK_ENV_BAD_RUN = defineError('QK_ENV_BAD_RUN', 400, 'Invalid run request: %s', 'runInApp() needs { controller, function } with valid names or { script }.')
