/** Errors the i18n room raises on purpose. */
import { defineError } from '../errors/index'

export const QK_I18N_BAD_LANGUAGE_FILE = defineError(
  'QK_I18N_BAD_LANGUAGE_FILE', 500,
  'Language file %s is not a JSON object of strings: %s',
  'A file under <app>/languages/ could not be parsed; fix it in the admin translation editor.')

export const QK_I18N_BAD_LANGUAGE = defineError(
  'QK_I18N_BAD_LANGUAGE', 400,
  'Not a language code: %s',
  'T.force() and language files take codes like "it", "pt-br" (letters, digits and dashes).')
