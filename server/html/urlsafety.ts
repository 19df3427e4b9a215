/**
 * URL-type attributes of helpers (`A(_href=...)`, `IMG(_src=...)`,
 * `FORM(_action=...)`, ...) refuse the schemes that run script: `javascript:`,
 * `vbscript:`, `livescript:`, and `data:` (except raster images in attributes
 * that load an image). A value wrapped in `XML(...)` is trusted and kept.
 *
 * What a refused value renders:
 *   - links (href, xlink:href, action, formaction, cite, longdesc): `#`,
 *     so the element stays a harmless link;
 *   - resources (src, srcset, poster, background, data, codebase, ...): the
 *     attribute is left out (an `<img src="#">` would fetch the page itself).
 *
 * The scheme is read as a browser reads it: leading spaces and control
 * characters skipped, tabs and newlines anywhere removed, case ignored. Text
 * entities need no decoding here: the attribute value is escaped on output,
 * so `&#106;avascript:` reaches the browser as literal text (a relative URL).
 * `data:image/svg+xml` is refused: an SVG document can carry script.
 */

/** Attributes whose value is a URL followed when clicked or submitted: refused → '#'. */
const LINK_ATTRS = new Set(['href', 'xlink:href', 'action', 'formaction', 'cite', 'longdesc'])
/** Attributes whose value is a URL the browser loads: refused → attribute dropped. */
const RESOURCE_ATTRS = new Set(['src', 'srcset', 'poster', 'background', 'data', 'codebase', 'lowsrc', 'dynsrc', 'manifest', 'icon', 'archive'])
/** Of the resources, those that load an image: they accept a raster data: image. */
const IMAGE_ATTRS = new Set(['src', 'srcset', 'poster', 'background', 'lowsrc'])

const BAD_SCHEMES = new Set(['javascript', 'vbscript', 'livescript', 'data'])
const RASTER_DATA = /^data:image\/(?:png|gif|jpe?g|pjpeg|webp|avif|bmp|x-icon|vnd\.microsoft\.icon)[;,]/i
// What browsers strip before a URL (C0 controls and space) plus the Unicode spaces some older engines skipped.
const LEADING = /^[\u0000-\u0020\u007f-\u00a0\u1680\u180e\u2000-\u200f\u2028\u2029\u202f\u205f\u3000\ufeff]+/
const INSIDE = /[\t\n\r\u0000\u200b-\u200f\ufeff]/g
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):/

/** Whether an attribute name is one of the URL-type attributes checked at render time. */
export function isUrlAttribute(name: string): boolean {
  // one Map look-up per rendered attribute (this runs for every attribute of every helper)
  let known = urlAttributeNames.get(name)
  if (known === undefined) {
    const lower = name.toLowerCase()
    known = LINK_ATTRS.has(lower) || RESOURCE_ATTRS.has(lower)
    if (urlAttributeNames.size < 2000) urlAttributeNames.set(name, known)
  }
  return known
}
const urlAttributeNames = new Map<string, boolean>()

/** The URL as the browser reads it for its scheme: leading junk off, tabs/newlines removed, lower case. */
function normalised(url: string): string {
  return url.replace(LEADING, '').replace(INSIDE, '')
}

/** Whether one URL is acceptable in attribute `name` (an image attribute accepts raster data: images). */
export function isAllowedUrl(name: string, url: string): boolean {
  if (url.indexOf(':') < 0) return true
  const u = normalised(url)
  const m = SCHEME.exec(u)
  if (!m) return true
  const scheme = m[1]!.toLowerCase()
  if (!BAD_SCHEMES.has(scheme)) return true
  return scheme === 'data' && IMAGE_ATTRS.has(name) && RASTER_DATA.test(u)
}

/** srcset: `url [descriptor], url [descriptor]`; every candidate must be acceptable. */
function isAllowedSrcset(value: string): boolean {
  // a data: URL contains commas itself; a refused one is refused whichever way the list splits
  for (const part of value.split(',')) {
    const url = part.trim().split(/\s+/)[0] ?? ''
    // the whole candidate too: 'java\tscript:' is one URL once tabs are dropped
    if (!isAllowedUrl('srcset', url) || !isAllowedUrl('srcset', part)) return false
  }
  return true
}

/**
 * The value to render for URL attribute `name`: the value itself, '#' for a
 * refused link, or undefined for a refused resource (the attribute is left out).
 */
export function safeUrlValue(attribute: string, value: string): string | undefined {
  if (value.indexOf(':') < 0) return value
  const name = attribute.toLowerCase()
  const ok = name === 'srcset' ? isAllowedSrcset(value) : isAllowedUrl(name, value)
  if (ok) return value
  return LINK_ATTRS.has(name) ? '#' : undefined
}
