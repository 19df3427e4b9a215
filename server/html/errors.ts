import { defineError } from '../errors/index'

export const QK_HTML_BAD_SELECTOR = defineError('QK_HTML_BAD_SELECTOR', 500, 'Invalid element selector: %s', 'elements()/element() could not parse the CSS-like selector')
export const QK_HTML_BAD_URL_PART = defineError('QK_HTML_BAD_URL_PART', 500, 'Invalid URL() argument: %s', 'URL() was given an application/controller/function name that is not a plain name')
export const QK_HTML_NO_HMAC_KEY = defineError('QK_HTML_NO_HMAC_KEY', 500, 'URL.verify() needs an hmacKey', 'URL.verify() was called without a key')
export const QK_HTML_BAD_TAG = defineError('QK_HTML_BAD_TAG', 500, 'Invalid tag name: %s', 'TAG() was given a name that is not a valid HTML tag name')
