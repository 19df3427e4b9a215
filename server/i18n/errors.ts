/** Errors the i18n room raises on purpose. */
import { defineError } from '../errors/index'

export const QK_I18N_BAD_LANGUAGE_FILE = defineError(
  'QK_I18N_BAD_LANGUAGE_FILE', 500,
  'Language file %s cannot be read: %s',
  'A file under <app>/languages/ could not be parsed; fix it in the admin translation editor.')

export const QK_I18N_BAD_LANGUAGE = defineError(
  'QK_I18N_BAD_LANGUAGE', 400,
  'Not a language code: %s',
  'T.force() and language files take codes like "it", "pt-br" (letters, digits and dashes).')

export const QK_I18N_BAD_PLURAL_RULE = defineError(
  'QK_I18N_BAD_PLURAL_RULE', 400,
  'Bad plural rule: %s',
  'A language\'s plural rule is an expression of n (digits, n, % == != < > <= >= && || ! ? : and parentheses) giving a form index from 0 to the number of forms - 1, e.g. "n == 1 ? 0 : 1".')

export const QK_I18N_NO_LANGUAGE = defineError(
  'QK_I18N_NO_LANGUAGE', 404,
  'No language %s in this app',
  'The translation editor and `quark languages` work on languages/<lang>.json files that exist; add the language first.')

export const QK_I18N_BAD_ENTRY = defineError(
  'QK_I18N_BAD_ENTRY', 400,
  'Bad translation entry: %s',
  'The translation editor saves a source string with its translation (both text), or a word with a list of plural forms.')
