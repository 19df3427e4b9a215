/** Content types by extension, and which of them are worth compressing. */
const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8', htm: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8', mjs: 'text/javascript; charset=utf-8', json: 'application/json; charset=utf-8',
  map: 'application/json; charset=utf-8', txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8', xml: 'application/xml; charset=utf-8', svg: 'image/svg+xml', ico: 'image/x-icon',
  png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', avif: 'image/avif',
  woff: 'font/woff', woff2: 'font/woff2', ttf: 'font/ttf', otf: 'font/otf', eot: 'application/vnd.ms-fontobject',
  pdf: 'application/pdf', zip: 'application/zip', gz: 'application/gzip', wasm: 'application/wasm',
  mp3: 'audio/mpeg', ogg: 'audio/ogg', wav: 'audio/wav', mp4: 'video/mp4', webm: 'video/webm',
  rss: 'application/rss+xml; charset=utf-8', ics: 'text/calendar; charset=utf-8', ttl: 'text/turtle; charset=utf-8',
}

export function contentTypeOf(file: string): string {
  const dot = file.lastIndexOf('.')
  if (dot === -1) return 'application/octet-stream'
  return TYPES[file.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream'
}

export function isCompressible(type: string): boolean {
  return type.startsWith('text/') || type.startsWith('application/json') || type.startsWith('application/xml') ||
    type.startsWith('image/svg') || type.startsWith('application/rss')
}
