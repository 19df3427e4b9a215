/**
 * Monaco, served from the installed monaco-editor package (min/vs) and
 * nothing else: /admin/monaco/vs/<path>. adminlib confines the path to that
 * folder. The files never change for a given Quark version, so browsers may
 * keep them for a day.
 */
export function vs() {
  const rel = request.args.list.join('/')
  const f = attempt(() => admin.monacoFile(rel))
  response.headers['Content-Type'] = f.contentType
  response.headers['Cache-Control'] = 'private, max-age=86400'
  return response.stream(f.file, { contentType: f.contentType })
}
