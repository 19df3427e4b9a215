// The version control's diff page: Monaco's diff editor (side by side, read
// only) with the file at the last commit on the left and on disk on the right.
(function () {
  'use strict'
  const cfg = JSON.parse(document.getElementById('vcs-diff-config').textContent)
  window.require.config({ paths: { vs: cfg.monacoBase } })
  window.require(['vs/editor/editor.main'], () => {
    const m = window.monaco
    const editor = m.editor.createDiffEditor(document.getElementById('vcs-diff'), { readOnly: true, renderSideBySide: true, automaticLayout: true, originalEditable: false })
    editor.setModel({
      original: m.editor.createModel(cfg.original ?? '', cfg.language),
      modified: m.editor.createModel(cfg.modified ?? '', cfg.language),
    })
    window.quarkDiff = editor // tests read the two sides
  })
})()
