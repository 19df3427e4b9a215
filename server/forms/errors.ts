/** Errors the forms room raises on purpose (programming mistakes, not user input: those become form errors). */
import { defineError } from '../errors/index'

export const QK_FORMS_NOT_PREPARED = defineError('QK_FORMS_NOT_PREPARED', 500, 'Form %s rendered before it was prepared: call `await form.process()` (or `await form.prepare()`) first',
  'A SQLFORM whose widgets need the database (IS_IN_DB selects, a record given by id) was rendered without awaiting process()/prepare().')
export const QK_FORMS_NO_REQUEST = defineError('QK_FORMS_NO_REQUEST', 500, 'form.process() called outside a request',
  'process() reads current.request and current.session; it only works while a request is served.')
export const QK_FORMS_BAD_TABLE = defineError('QK_FORMS_BAD_TABLE', 500, '%s: %s', 'SQLFORM / grid was given something that is not a DAL table, or an unknown field name.')
export const QK_FORMS_NO_RECORD = defineError('QK_FORMS_NO_RECORD', 404, 'No record %s in table %s', 'SQLFORM was given a record id that does not exist.')
export const QK_FORMS_UPLOAD_TOO_LARGE = defineError('QK_FORMS_UPLOAD_TOO_LARGE', 413, 'Uploaded file larger than %s bytes', 'An upload exceeded the field\'s uploadMaxSize.')
export const QK_FORMS_BAD_UPLOAD_NAME = defineError('QK_FORMS_BAD_UPLOAD_NAME', 400, 'Invalid upload name: %s', 'A stored upload name does not have the table.field.random.name.ext shape or escapes the uploads folder.')
export const QK_FORMS_NO_UPLOAD_FOLDER = defineError('QK_FORMS_NO_UPLOAD_FOLDER', 500, 'No uploads folder: give uploadfolder or call inside a request', 'Uploads are stored in the app\'s uploads/ folder, known only during a request, or in the field\'s uploadfolder.')
export const QK_FORMS_DISK_FULL = defineError('QK_FORMS_DISK_FULL', 507, 'Insufficient storage: no space left on the server to store upload %s (%s)',
  'Storing an upload in the uploads folder failed with ENOSPC or EDQUOT: the disk or the quota is full. No partial file is left; free space and the same submission succeeds.')
