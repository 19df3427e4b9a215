/**
 * auth/: web2py's Auth and Mail.
 *
 *   Auth            new Auth(db, options); auth.defineTables({ username?, signature?, extraFields? })
 *                   auth.user / userId / isLoggedIn() / form() / requiresLogin / requiresMembership /
 *                   requiresPermission / requiresSignature / requires / addGroup / addMembership /
 *                   delMembership / hasMembership / addPermission / delPermission / hasPermission /
 *                   accessibleQuery / signature / issueToken / signedURL / checkLogin / logEvent
 *   Mail            new Mail({ server: 'logging' | 'smtp://host:port', sender, login, ssl, logFile })
 *   enableRecordVersioning(table) / archiveRecords(set)   record versioning
 *   hashPassword / verifyPassword / needsRehash            PBKDF2-SHA512 on CRYPT's format
 *   signJwt / verifyJwt / parseBasic / parseBearer         API credentials
 *   readMailLog(file)                                      the development mail file
 *   auth.enable('totp' | 'passkey' | 'oidc' | 'ldap', options), auth.loginMethods   login methods (methods/)
 *
 * Models, controllers and views see `Auth` and `Mail` (authNames()).
 */
import './groups'
import './access'
import './actions'
import './methods'
import { Auth } from './auth'
import { Mail } from './mail'
import { enableRecordVersioning } from './versioning'

export { Auth, SECRET_FIELDS, type AuthSettings, type AuthOptions, type UserRecord } from './auth'
export { Mail, readMailLog, type MailSettings, type MailMessage } from './mail'
export { AUTH_ACTIONS } from './actions'
export { EVENTS } from './throttle'
export { DEFAULT_TABLE_NAMES, type TableNames, type DefineTablesOptions } from './tables'
export { hashPassword, verifyPassword, needsRehash } from './password'
export { signJwt, verifyJwt, parseBasic, parseBearer, type JwtPayload } from './tokens'
export { enableRecordVersioning, archiveRecords, type VersioningOptions } from './versioning'
export { processAuthForm, type AuthField, type AuthForm } from './authform'
export type { GroupRef } from './groups'
export * from './errors'
export * from './methods'

/** The names models, controllers and views see without imports (environment/names.ts). */
export function authNames(): Record<string, unknown> {
  return { Auth, Mail, enableRecordVersioning }
}
