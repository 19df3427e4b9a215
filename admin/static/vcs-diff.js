// The version control's diff page: Monaco's diff editor, side by side, with
// the file at the last commit on the left (read only) and on disk on the
// right. The right side can be edited and saved (the editor's save.json,
// with the hash of the version shown: a change on disk meanwhile is refused);
// "Revert" asks first, and says so when edits here are not saved.
(function () {
  'use strict'
  const cfg = JSON.parse(document.getElementById('vcs-diff-config').textContent)
  const statusEl = document.getElementById('vcs-diff-status')
  const say = (text, cls) => { statusEl.textContent = text; statusEl.className = 'small ' + (cls || '') }
  let modified = null
  let savedVersion = 0
  let hash = cfg.hash
  let leaving = false
  const isDirty = () => !!modified && modified.getAlternativeVersionId() !== savedVersion

  async function save() {
    if (!modified || !cfg.editable) return
    const version = modified.getAlternativeVersionId()
    say('Saving ' + cfg.path + '…')
    const r = await fetch(cfg.saveUrl, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': cfg.csrf },
      body: JSON.stringify({ app: cfg.app, path: cfg.path, content: modified.getValue(), hash }),
    })
    const body = await r.json().catch(() => ({}))
    if (r.status === 409) return say('Not saved: ' + cfg.path + ' changed on disk since this page was opened. Reload to see it.', 'text-danger')
    if (r.status !== 200) return say('Save failed: ' + (body.error || r.status), 'text-danger')
    hash = body.hash
    savedVersion = version
    say('Saved ' + cfg.path + ' at ' + new Date().toLocaleTimeString() + ': commit it from Versions.', 'text-success')
  }

  document.getElementById('vcs-revert').addEventListener('submit', (ev) => {
    const question = isDirty()
      ? cfg.path + ' has unsaved changes in this editor.\n\nRevert it to the last commit anyway? Your unsaved changes and its changes on disk are lost.'
      : 'Revert ' + cfg.path + ' to the last commit? Its changes on disk are lost.'
    if (!confirm(question)) { ev.preventDefault(); say('Not reverted.', 'text-muted'); return }
    leaving = true
  })
  window.addEventListener('beforeunload', (ev) => {
    if (!leaving && isDirty()) { ev.preventDefault(); ev.returnValue = '' }
  })
  const saveButton = document.getElementById('vcs-save')
  if (saveButton) saveButton.addEventListener('click', () => { void save() })

  window.require.config({ paths: { vs: cfg.monacoBase } })
  window.require(['vs/editor/editor.main'], () => {
    const m = window.monaco
    const editor = m.editor.createDiffEditor(document.getElementById('vcs-diff'), {
      readOnly: !cfg.editable, renderSideBySide: true, automaticLayout: true, originalEditable: false,
    })
    modified = m.editor.createModel(cfg.modified ?? '', cfg.language)
    savedVersion = modified.getAlternativeVersionId()
    editor.setModel({ original: m.editor.createModel(cfg.original ?? '', cfg.language), modified })
    editor.getModifiedEditor().addCommand(m.KeyMod.CtrlCmd | m.KeyCode.KeyS, () => { void save() })
    window.quarkDiff = editor // tests read the two sides
  })
})()
