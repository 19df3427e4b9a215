/** Prettier's standalone ES modules for the editor's Format document: /admin/prettier/js/<name>.mjs (an allowlist in adminlib). */
export function js() {
  const f = attempt(() => admin.prettierFile(request.args(0)))
  response.headers['Cache-Control'] = 'private, max-age=86400'
  return response.stream(f.file, { contentType: f.contentType })
}
