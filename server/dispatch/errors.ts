/** Errors the dispatch room raises on purpose. */
import { defineError } from '../errors'

export const QK_DISPATCH_BAD_NAME = defineError('QK_DISPATCH_BAD_NAME', 400, 'Invalid name in URL: %s', 'An application, controller or function name outside [A-Za-z0-9_], or an extension outside [A-Za-z0-9].')
export const QK_DISPATCH_BAD_ARG = defineError('QK_DISPATCH_BAD_ARG', 400, 'Invalid URL argument: %s', 'An argument is not valid percent-encoding or contains control characters.')
export const QK_DISPATCH_NO_APP = defineError('QK_DISPATCH_NO_APP', 404, 'Invalid application: %s', 'No application of that name is installed.')
export const QK_DISPATCH_NO_CONTROLLER = defineError('QK_DISPATCH_NO_CONTROLLER', 404, 'Invalid controller: %s', 'The application has no such controller file.')
export const QK_DISPATCH_NO_FUNCTION = defineError('QK_DISPATCH_NO_FUNCTION', 404, 'Invalid function: %s', 'The controller exports no such action (names starting with _ are never exposed).')
export const QK_DISPATCH_BAD_APP_NAME = defineError('QK_DISPATCH_BAD_APP_NAME', 400, 'Invalid application name: %s', 'Application names are [A-Za-z0-9_], do not start with _ and are at most 64 characters.')
export const QK_DISPATCH_NO_ROOT_FILE = defineError('QK_DISPATCH_NO_ROOT_FILE', 404, 'Not found: %s', 'A file at the site root that no root_static entry of the routes serves.')
export const QK_DISPATCH_NOT_FOUND = defineError('QK_DISPATCH_NOT_FOUND', 404, 'Not found: %s', 'The routes map this URL to nothing (outside path_prefix, or an app reachable only through its own domain).')
export const QK_DISPATCH_BAD_ROUTE = defineError('QK_DISPATCH_BAD_ROUTE', 400, 'Invalid request: %s', 'A part of the URL fails the router checks (acfe_match, file_match, args_match).')
export const QK_ROUTES_BAD_CONFIG = defineError('QK_ROUTES_BAD_CONFIG', 500, 'Bad routes in %s: %s', 'A routes.json / routes.ts that cannot be read, or whose settings are invalid; the last good routes stay in force.')
