/**
 * forms/: FORM processing with CSRF form keys, SQLFORM (create / update /
 * delete / read-only), SQLFORM.factory, widgets, form styles, upload storage
 * and serving, SQLFORM.grid / smartgrid.
 *
 *   FORM(...).process({ formname, keepvalues, hideerror, onvalidation, onsuccess, onfailure, session })
 *     → form.accepted / form.errors / form.vars; form.accepts(request, session, opts)
 *   SQLFORM(table, record | id, { fields, labels, col3, submitButton, showid, readonly, deletable,
 *     formstyle, upload, detectRecordChange, formname, hidden, buttons })  → form.custom.{begin,end,widget,label,...}
 *   SQLFORM.factory(Field(...), ..., opts)    SQLFORM.grid(query | table, opts)    SQLFORM.smartgrid(table, opts)
 *   DOWNLOAD(request, db)   web2py's response.download: serves an upload by its stored name
 *   storeUpload, removeUpload, download, parseStoredName, makeStoredName, cleanOriginalName, contentDisposition
 *   widgetFor, representValue, formatValue, bootstrap5, table3cols, formstyles
 */
import { FORM } from './form'
import { SQLFORM } from './sqlform'
import { download } from './uploads'
import { setDownloader } from '../http/index'
import './grid'

export { Form, FORM, newFormKey, fieldElements, setElementValue, type ProcessOptions } from './form'
export { SqlForm, SQLFORM, type SqlFormOptions } from './sqlform'
export { grid, smartgrid, type GridOptions } from './grid'
export { storeUpload, removeUpload, download, parseStoredName, makeStoredName, cleanOriginalName, contentDisposition, storedPath, uploadsFolder, isIncomingFile, type IncomingFile, type StoreOptions } from './uploads'
export { widgetFor, representValue, formatValue, fieldRequires, optionsValidator, type FieldLike, type WidgetFn } from './widgets'
export { bootstrap5, table3cols, formstyles, resolveFormstyle, type FormStyle, type FormRow } from './formstyle'
export * from './errors'

/** web2py's response.download(request, db) under a framework name (a controller's own `download` action stays free). */
export const DOWNLOAD = download
// ... and as web2py writes it: `response.download(request, db)` (http's response sits below forms, so forms registers it)
setDownloader((request, db, opts) => download(request, db as Parameters<typeof download>[1], opts))

/** The names models, controllers and views see without imports (environment/names.ts); FORM replaces html's plain one. */
export function formsNames(): Record<string, unknown> {
  return { FORM, SQLFORM, DOWNLOAD }
}
