/**
 * Validators: every web2py validator, with web2py's semantics and default
 * messages, translated through `current.T` when they run.
 *
 * Public surface:
 *   validator.validate(value, recordId?) -> [value, error | null] (a Promise for IS_IN_DB / IS_NOT_IN_DB)
 *   validator.formatter?(value)           value -> display text (dates, numbers, JSON, CRYPT, lists)
 *   IS_IN_DB / IS_NOT_IN_DB take a DAL or a DAL set (`db(query)`) as their first argument
 *   validator.options?(zero = true)       [value, label] pairs for selects (IS_IN_SET, IS_IN_DB, IS_EMPTY_OR of them)
 *   validateAll(validators, value, recordId?)  a chain: stops at the first error
 *   IS_* / CLEANUP / CRYPT / ANY_OF factories (no `new`), their classes, defaultRequires(type)
 *   CRYPT.verify(plain, stored), LazyCrypt#verify / #hash
 */
export {
  type Validator, type ValidationResult, type ValidatorLike, type MaybePromise,
  BaseValidator, ValidationError, validateAll, pyFormat, formatG, isEmptyValue,
} from './base'
export {
  IS_NOT_EMPTY, IS_MATCH, IS_ALPHANUMERIC, IS_EQUAL_TO, IS_EXPR, IS_LENGTH, IS_JSON, IS_LOWER, IS_UPPER, IS_SLUG,
  CLEANUP, ANY_OF, IS_EMPTY_OR, IS_NULL_OR, IS_LIST_OF, urlify,
  IsNotEmpty, IsMatch, IsAlphanumeric, IsEqualTo, IsExpr, IsLength, IsJson, IsLower, IsUpper, IsSlug, Cleanup, AnyOf, IsEmptyOr, IsListOf,
} from './text'
export { IS_INT_IN_RANGE, IS_FLOAT_IN_RANGE, IS_DECIMAL_IN_RANGE, IsIntInRange, IsFloatInRange, IsDecimalInRange, str2dec } from './numbers'
export { IS_EMAIL, IS_LIST_OF_EMAILS, IS_IPV4, IS_IPV6, IS_IPADDRESS, IsEmail, IsListOfEmails, IsIpv4, IsIpv6, IsIpAddress, isEmail } from './network'
export { IS_URL, IS_HTTP_URL, IS_GENERIC_URL, IsUrl, IsHttpUrl, IsGenericUrl, urlparse } from './urls'
export { IS_DATE, IS_DATETIME, IS_DATE_IN_RANGE, IS_DATETIME_IN_RANGE, IS_TIME, IsDate, IsDatetime, IsDateInRange, IsDatetimeInRange, IsTime, strptime, strftime, niceFormat } from './dates'
export { IS_IN_SET, IsInSet } from './sets'
export { IS_IN_DB, IS_NOT_IN_DB, IsInDb, IsNotInDb, type DbLike, type SetLike, type InDbOptions } from './indb'
export { IS_LIST_OF_INTS, IS_LIST_OF_STRINGS, IsListOfInts, IsListOfStrings } from './lists'
export { CRYPT, Crypt, LazyCrypt, DEFAULT_DIGEST, type CryptOptions } from './crypt'
export { IS_STRONG, IsStrong, calcEntropy } from './strong'
export { IS_FILE, IS_UPLOAD_FILENAME, IS_IMAGE, IsFile, IsUploadFilename, IsImage, imageSize, type Upload } from './files'
export { defaultRequires } from './defaults'
export { QK_VALIDATORS_BAD_ARGUMENT, QK_VALIDATORS_NO_DATABASE } from './errors'

/** The names models, controllers and views see without importing (environment/names.ts). */
export const VALIDATOR_NAMES = [
  'IS_NOT_EMPTY', 'IS_MATCH', 'IS_ALPHANUMERIC', 'IS_EQUAL_TO', 'IS_EXPR', 'IS_LENGTH', 'IS_JSON', 'IS_LOWER', 'IS_UPPER', 'IS_SLUG',
  'CLEANUP', 'ANY_OF', 'IS_EMPTY_OR', 'IS_NULL_OR', 'IS_LIST_OF', 'IS_INT_IN_RANGE', 'IS_FLOAT_IN_RANGE', 'IS_DECIMAL_IN_RANGE',
  'IS_LIST_OF_INTS', 'IS_LIST_OF_STRINGS',
  'IS_EMAIL', 'IS_LIST_OF_EMAILS', 'IS_IPV4', 'IS_IPV6', 'IS_IPADDRESS', 'IS_URL', 'IS_HTTP_URL', 'IS_GENERIC_URL',
  'IS_DATE', 'IS_DATETIME', 'IS_DATE_IN_RANGE', 'IS_DATETIME_IN_RANGE', 'IS_TIME', 'IS_IN_SET', 'IS_IN_DB', 'IS_NOT_IN_DB',
  'CRYPT', 'IS_STRONG', 'IS_FILE', 'IS_UPLOAD_FILENAME', 'IS_IMAGE',
] as const
