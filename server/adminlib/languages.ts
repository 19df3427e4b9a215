/**
 * The translation editor's calls, for the admin app (which reaches the
 * framework only through adminlib's surface): the i18n room does the work.
 */
import {
  languagesReport, languageDetail, updateLanguages, addLanguage, setTranslation, setPluralForms, dropUnused, MAX_PLURALS,
} from '../i18n/index'

export const translations = { languagesReport, languageDetail, updateLanguages, addLanguage, setTranslation, setPluralForms, dropUnused, MAX_PLURALS }
