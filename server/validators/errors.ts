/**
 * Errors the validators room raises on purpose. They signal a programming
 * mistake in how a validator was built (bad arguments), never bad user input:
 * bad user input is reported as the validator's error message instead.
 */
import { defineError } from '../errors/index'

export const QK_VALIDATORS_BAD_ARGUMENT = defineError(
  'QK_VALIDATORS_BAD_ARGUMENT', 500,
  '%s: %s',
  'A validator was constructed with an argument it cannot use (e.g. an unknown URL mode, a malformed "table.field").')

export const QK_VALIDATORS_NO_DATABASE = defineError(
  'QK_VALIDATORS_NO_DATABASE', 500,
  '%s needs a DAL instance and a "table.field" that exists: %s',
  'IS_IN_DB / IS_NOT_IN_DB were given something that is not a database, or a table/field it does not define.')
