/**
 * i18n: web2py's T.
 *
 * Public surface:
 *   translatorFor(appFolder): Translator    one per app, cached; language files reloaded when they change
 *   Translator#forRequest(acceptLanguage?)  the request's T (pick by Accept-Language q-values)
 *   Translator#pickLanguage(header), #translate(lang, text, symbols), #pluralRule(lang), #files.checkIntervalMs, #files.problem(lang)
 *   T(text, symbols?) -> LazyT              String()/toJSON()/xml() translate at render time
 *   T.translate(text, symbols?) -> string   eager, for current.T (its type returns a string)
 *   T.M(text, symbols?) -> LazyMarkmin     xml() renders the translation as MARKMIN
 *   T.force(lang | null), T.language, T.accepted
 *   Messages (web2py's syntax): '%s' (array or scalar), '%(name)s' (object); plurals '%%{book}', '%%{book[1]}',
 *     '%%{book(n)}'; choices '%%{?one?many?zero}' (texts as written); case '%%{!word}' '!!' '!!!';
 *     'text ## comment' (the comment is part of the key, never shown)
 *   A broken language file never breaks the app: its strings show untranslated, files.problem(lang) says why.
 *   collectStrings(appFolder, { languages?, only? }), scanStrings(appFolder)   the T('...') literals of an app
 *   The editor / `quark languages`: languagesReport, languageDetail, updateLanguages, addLanguage,
 *     setTranslation, setPluralForms, dropUnused, appLanguages, ruleOf, compilePluralRule
 *   pluralRuleFor(lang), parseAcceptLanguage(header)
 *   parseWeb2pyLanguage(text)   a web2py languages/<lang>.py dict; updateLanguages imports such files into <lang>.json
 * Files: <app>/languages/<lang>.json  { "source": "translation" }; plural-<lang>.json { "word": ["plural form", ...] };
 *   _rules.json { "<lang>": { "nplurals": 3, "rule": "n == 1 ? 0 : ..." } } for languages added with a rule
 */
export { Translator, LazyT, LazyMarkmin, translatorFor, stripComment, type RequestT, type Symbols } from './translator'
export { collectStrings, findStrings, scanStrings, type CollectResult } from './collect'
export { pluralRuleFor, compilePluralRule, MAX_PLURALS, type PluralRule } from './plural'
export { parseAcceptLanguage } from './accept'
export {
  languagesReport, languageDetail, updateLanguages, addLanguage, setTranslation, setPluralForms, dropUnused, appLanguages, ruleOf,
  type LanguageSummary, type LanguageDetail, type LanguageEntry, type UpdateResult,
} from './languages'
export { parseWeb2pyLanguage } from './web2py'
export { QK_I18N_BAD_ENTRY, QK_I18N_BAD_LANGUAGE, QK_I18N_BAD_LANGUAGE_FILE, QK_I18N_BAD_PLURAL_RULE, QK_I18N_NO_LANGUAGE } from './errors'
