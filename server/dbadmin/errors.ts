/** Errors the database administration room raises on purpose (QK_DBADMIN_...). */
import { defineError } from '../errors'

export const QK_DBADMIN_QUERY = defineError('QK_DBADMIN_QUERY', 400, 'Invalid query text: %s', 'The query box accepts only `table.field <op> value` comparisons joined by and/or/not; no SQL.')
export const QK_DBADMIN_NO_DB = defineError('QK_DBADMIN_NO_DB', 404, 'No database %s in app %s', 'The app\'s models export no DAL instance by that name.')
export const QK_DBADMIN_NO_TABLE = defineError('QK_DBADMIN_NO_TABLE', 404, 'No table %s in database %s', 'The table is not defined by the app\'s models.')
