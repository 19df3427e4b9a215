/** The auth room's error codes (QK_AUTH_...). */
import { defineError } from '../errors'

export const QK_AUTH_NO_TABLES = defineError('QK_AUTH_NO_TABLES', 500, 'Auth table %s is not defined: call auth.defineTables() first', 'An Auth method needing auth_user ran before defineTables().')
export const QK_AUTH_BAD_OPTION = defineError('QK_AUTH_BAD_OPTION', 500, 'Invalid Auth option %s: %s', 'new Auth(), defineTables() or a requires… decorator got an unusable argument.')
export const QK_AUTH_NO_GROUP = defineError('QK_AUTH_NO_GROUP', 500, 'No group %s', 'addMembership / hasMembership named a group that does not exist.')
export const QK_AUTH_BAD_TOKEN = defineError('QK_AUTH_BAD_TOKEN', 401, 'Invalid token: %s', 'A bearer token (JWT) is malformed, badly signed or expired.')
export const QK_AUTH_NO_REQUEST = defineError('QK_AUTH_NO_REQUEST', 500, 'Auth.%s needs a request (it ran outside one)', 'A method that reads the session or the request ran outside a request.')
export const QK_MAIL_BAD_MESSAGE = defineError('QK_MAIL_BAD_MESSAGE', 500, 'Cannot send mail: %s', 'mail.send() was given no recipient, a malformed address or header injection.')
export const QK_MAIL_NOT_CONFIGURED = defineError('QK_MAIL_NOT_CONFIGURED', 500, 'Mail is not configured: %s', 'Mail has neither an SMTP server nor a development log file.')
