/**
 * i18n: web2py's T.
 *
 * Public surface:
 *   translatorFor(appFolder): Translator    one per app, cached; language files reloaded when they change
 *   Translator#forRequest(acceptLanguage?)  the request's T (pick by Accept-Language q-values)
 *   Translator#pickLanguage(header), #translate(lang, text, symbols), #files.checkIntervalMs
 *   T(text, symbols?) -> LazyT              String()/toJSON()/xml() translate at render time
 *   T.translate(text, symbols?) -> string   eager, for current.T (its type returns a string)
 *   T.M(text, symbols?) -> LazyMarkmin     xml() renders the translation as MARKMIN
 *   T.force(lang | null), T.language, T.accepted
 *   Symbols: '%s' (array or scalar), '%(name)s' (object); plurals: '%s %%{book}', '%%{book[1]}', '%%{book(n)}', '!' capitalises
 *   collectStrings(appFolder, { languages? })  add missing T('...') literals to languages/<lang>.json
 *   pluralRuleFor(lang), parseAcceptLanguage(header)
 * Files: <app>/languages/<lang>.json  { "source": "translation" }; plural-<lang>.json { "word": ["plural form", ...] }
 */
export { Translator, LazyT, LazyMarkmin, translatorFor, type RequestT, type Symbols } from './translator'
export { collectStrings, findStrings, type CollectResult } from './collect'
export { pluralRuleFor, type PluralRule } from './plural'
export { parseAcceptLanguage } from './accept'
export { QK_I18N_BAD_LANGUAGE, QK_I18N_BAD_LANGUAGE_FILE } from './errors'
