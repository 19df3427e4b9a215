/**
 * Content types by extension, from the `mime-types` package (mime-db's
 * maintained table: every extension IANA, Apache and nginx know), with
 * web2py's two rules on top: a double extension (`.tar.gz`) is looked up
 * before the last one, and every `text/*` type (and JSON, JavaScript, XML)
 * carries `; charset=utf-8`. Unknown extensions are application/octet-stream.
 * Used for static files, downloads of uploads and generic responses by the
 * URL's extension; results are kept per extension, so a lookup is one Map hit.
 */

// loaded on the first lookup, not at start: mime-db's table is a ~200 KB JSON parse
let table: typeof import('mime-types') | undefined
const mimeTypes = (): typeof import('mime-types') => (table ??= require('mime-types') as typeof import('mime-types'))

const OCTET = 'application/octet-stream'

/*
 * Compressed tarballs: the single-extension table would call `a.tar.gz` plain gzip
 * (application/gzip), which some clients unpack on the fly and then save under the
 * .tar.gz name. These names come from Debian's /etc/mime.types and freedesktop's
 * shared-mime-info, the tables desktops and servers use for them.
 */
const DOUBLE = new Map<string, string>([
  ['tar.gz', 'application/x-gtar-compressed'],
  ['tar.bz2', 'application/x-bzip-compressed-tar'],
  ['tar.xz', 'application/x-xz-compressed-tar'],
  ['tar.zst', 'application/x-zstd-compressed-tar'],
])
/** single extensions mime-db lacks (`load`: web2py's component responses are HTML) */
const SINGLE_EXTRA = new Map<string, string>([
  ['load', 'text/html; charset=utf-8'],
  ['tgz', 'application/x-gtar-compressed'],
  ['taz', 'application/x-gtar-compressed'],
  ['tbz2', 'application/x-bzip-compressed-tar'],
  ['txz', 'application/x-xz-compressed-tar'],
  ['zst', 'application/zstd'],
])

/*
 * The extensions nearly every site serves, answered without loading the package (the first
 * request must not pay for parsing mime-db). A test checks that each equals what the package gives.
 */
export const COMMON_TYPES: ReadonlyMap<string, string> = new Map([
  ['html', 'text/html; charset=utf-8'], ['htm', 'text/html; charset=utf-8'], ['css', 'text/css; charset=utf-8'],
  ['js', 'text/javascript; charset=utf-8'], ['mjs', 'text/javascript; charset=utf-8'],
  ['json', 'application/json; charset=utf-8'], ['map', 'application/json; charset=utf-8'],
  ['txt', 'text/plain; charset=utf-8'], ['md', 'text/markdown; charset=utf-8'], ['csv', 'text/csv; charset=utf-8'],
  ['xml', 'application/xml; charset=utf-8'], ['rss', 'application/rss+xml; charset=utf-8'], ['atom', 'application/atom+xml; charset=utf-8'],
  ['ics', 'text/calendar; charset=utf-8'], ['svg', 'image/svg+xml'], ['ico', 'image/vnd.microsoft.icon'],
  ['png', 'image/png'], ['jpg', 'image/jpeg'], ['jpeg', 'image/jpeg'], ['gif', 'image/gif'], ['webp', 'image/webp'], ['avif', 'image/avif'],
  ['woff', 'font/woff'], ['woff2', 'font/woff2'], ['ttf', 'font/ttf'], ['otf', 'font/otf'],
  ['pdf', 'application/pdf'], ['zip', 'application/zip'], ['gz', 'application/gzip'], ['wasm', 'application/wasm'],
  ['mp3', 'audio/mpeg'], ['mp4', 'video/mp4'], ['webm', 'video/webm'], ['ogg', 'audio/ogg'], ['wav', 'audio/wav'],
])

const byExtension = new Map<string, string>(COMMON_TYPES)

/** The full Content-Type of a (lower-case, dot-less) extension, or undefined when no table knows it. */
function typeOfExtension(ext: string): string | undefined {
  const known = byExtension.get(ext)
  if (known !== undefined) return known === '' ? undefined : known
  const full = packageTypeOf(ext) ?? ''
  // the table is bounded: names of files are many, extensions few (and a stranger's URL must not grow it)
  if (byExtension.size < 2000) byExtension.set(ext, full)
  return full === '' ? undefined : full
}

/** What the tables give for an extension, bypassing the cache and the common preset (tests compare the two). */
export function packageTypeOf(ext: string): string | undefined {
  const extra = SINGLE_EXTRA.get(ext)
  if (extra !== undefined) return extra
  const base = mimeTypes().lookup(ext)
  return base ? withCharset(base) : undefined
}

/** text/*, JSON and JavaScript (mime-db's UTF-8 types) and XML get `; charset=utf-8`. */
function withCharset(type: string): string {
  if (type.startsWith('text/') || mimeTypes().charset(type) === 'UTF-8' || type === 'application/xml' ||
      (type.startsWith('application/') && (type.endsWith('+xml') || type.endsWith('+json')))) return `${type}; charset=utf-8`
  return type
}

/** The Content-Type for a file name (or `x.<ext>`): double extension first, then the last one. */
export function contentTypeOf(file: string): string {
  const slash = Math.max(file.lastIndexOf('/'), file.lastIndexOf('\\'))
  const name = (slash === -1 ? file : file.slice(slash + 1)).toLowerCase()
  const dot = name.lastIndexOf('.')
  if (dot === -1) return OCTET
  const prev = dot > 0 ? name.lastIndexOf('.', dot - 1) : -1
  if (prev !== -1) {
    const double = DOUBLE.get(name.slice(prev + 1))
    if (double !== undefined) return double
  }
  return typeOfExtension(name.slice(dot + 1)) ?? OCTET
}

export function isCompressible(type: string): boolean {
  return type.startsWith('text/') || type.startsWith('application/json') || type.startsWith('application/xml') ||
    type.startsWith('image/svg') || type.startsWith('application/rss') || type.startsWith('application/atom') ||
    type.startsWith('application/manifest+json') || type.startsWith('application/wasm')
}
