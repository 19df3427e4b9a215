// The editor's extras (#25 item 5), on top of window.quarkEditor:
//  - quick open (Ctrl+P, or the "Open…" button): a box that filters the app's files by name;
//  - go to definition in the models (Ctrl+F12, or the context menu): the name under the cursor is
//    looked up as `export const|let|function|class NAME` or `defineTable('NAME'` in models/*.ts;
//  - Format document with Prettier's standalone build served by the admin (Shift+Alt+F) for
//    TypeScript, JavaScript, JSON and CSS (views are templates: not formatted).
(function () {
  'use strict'
  const qe = window.quarkEditor
  if (!qe) return
  const cfg = JSON.parse(document.getElementById('qk-editor-config').textContent)
  const status = (text, cls) => { const s = document.getElementById('qk-status'); if (s) { s.textContent = text; s.className = cls || '' } }
  const files = () => Array.from(document.querySelectorAll('#qk-files [data-open]')).map((a) => a.dataset.open)

  // ---- quick open
  const box = document.createElement('div')
  box.id = 'qk-quickopen'
  box.className = 'qk-quickopen d-none'
  box.setAttribute('role', 'dialog')
  box.setAttribute('aria-label', 'Open a file by name')
  box.innerHTML = '<input class="form-control form-control-sm" id="qk-quickopen-input" placeholder="file name…" autocomplete="off" aria-label="file name"><ul class="list-unstyled m-0" id="qk-quickopen-list" role="listbox"></ul>'
  document.body.appendChild(box)
  const input = box.querySelector('input'), list = box.querySelector('ul')
  let shown = []
  function fill() {
    const q = input.value.toLowerCase()
    // every character of the query in order: "dfts" finds default.ts
    const match = (p) => { let i = 0; for (const ch of p.toLowerCase()) if (ch === q[i]) i++; return i === q.length }
    shown = files().filter(match).slice(0, 20)
    list.textContent = ''
    shown.forEach((p, i) => {
      const li = document.createElement('li')
      li.textContent = p
      li.className = 'qk-quickopen-item' + (i === 0 ? ' active' : '')
      li.setAttribute('role', 'option')
      li.addEventListener('mousedown', (ev) => { ev.preventDefault(); choose(p) })
      list.appendChild(li)
    })
  }
  function openBox() { box.classList.remove('d-none'); input.value = ''; fill(); input.focus() }
  function closeBox() { box.classList.add('d-none'); if (qe.editor) qe.editor.focus() }
  function choose(p) { closeBox(); qe.open(p) }
  input.addEventListener('input', fill)
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') closeBox()
    else if (ev.key === 'Enter' && shown.length) { ev.preventDefault(); choose(shown[0]) }
  })
  input.addEventListener('blur', () => setTimeout(closeBox, 100))
  document.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && ev.key.toLowerCase() === 'p') { ev.preventDefault(); openBox() }
  })
  const openBtn = document.getElementById('qk-quickopen-btn')
  if (openBtn) openBtn.addEventListener('click', openBox)

  // ---- go to definition in the models
  async function fileText(path) {
    const r = await fetch(cfg.urls.file + '?app=' + encodeURIComponent(cfg.app) + '&path=' + encodeURIComponent(path), { credentials: 'same-origin', headers: { Accept: 'application/json' } })
    if (!r.ok) return ''
    return (await r.json()).content || ''
  }
  async function goToDefinition() {
    const ed = qe.editor, model = ed && ed.getModel()
    const word = model && model.getWordAtPosition(ed.getPosition())
    if (!word) return status('No name under the cursor.')
    const name = word.word
    const esc = name.replace(/[$]/g, '\\$')
    const patterns = [new RegExp('export\\s+(?:async\\s+)?(?:const|let|var|function\\*?|class)\\s+' + esc + '\\b'), new RegExp('defineTable\\(\\s*[\'"`]' + esc + '[\'"`]')]
    for (const p of files().filter((f) => /^models\/.*\.ts$/.test(f)).sort()) {
      const lines = (await fileText(p)).split('\n')
      for (let i = 0; i < lines.length; i++) {
        if (patterns.some((re) => re.test(lines[i]))) { await qe.open(p, i + 1); return status(name + ' is defined in ' + p + ':' + (i + 1)) }
      }
    }
    status(name + ' is not defined in the models.', 'text-warning')
  }

  // ---- format with prettier
  const PARSERS = { typescript: ['typescript', ['typescript', 'estree']], javascript: ['babel', ['babel', 'estree']], json: ['json', ['babel', 'estree']], css: ['css', ['postcss']] }
  const loaded = {}
  // the admin's base (it may sit under the routes' path_prefix), from where Monaco is served
  const adminBase = String(cfg.monacoBase || '/admin/monaco/vs').replace(/\/monaco\/vs\/?$/, '')
  const load = (name) => (loaded[name] ??= import(adminBase + '/prettier/js/' + name + '.mjs'))
  async function format() {
    const ed = qe.editor, model = ed && ed.getModel()
    if (!model) return
    const how = PARSERS[model.getLanguageId()]
    if (!how) return status('Format document: ' + model.getLanguageId() + ' files are not formatted (views are templates).', 'text-warning')
    try {
      const prettier = await load('standalone')
      const plugins = await Promise.all(how[1].map(load))
      const text = await prettier.format(model.getValue(), { parser: how[0], plugins: plugins.map((m) => m.default || m), semi: false, singleQuote: true, printWidth: 120 })
      if (text !== model.getValue()) {
        ed.pushUndoStop()
        ed.executeEdits('prettier', [{ range: model.getFullModelRange(), text }])
        ed.pushUndoStop()
      }
      status('Formatted with Prettier (not saved yet).')
    } catch (e) {
      status('Format document: ' + (e && e.message ? e.message.split('\n')[0] : String(e)), 'text-danger')
    }
  }

  qe.ready.then(() => {
    const m = qe.monaco, ed = qe.editor
    ed.addAction({ id: 'quark.quickOpen', label: 'Open a file by name…', keybindings: [m.KeyMod.CtrlCmd | m.KeyCode.KeyP], run: openBox })
    ed.addAction({ id: 'quark.goToModel', label: 'Go to definition in the models', keybindings: [m.KeyMod.CtrlCmd | m.KeyCode.F12], contextMenuGroupId: 'navigation', run: goToDefinition })
    ed.addAction({ id: 'quark.format', label: 'Format document (Prettier)', keybindings: [m.KeyMod.Shift | m.KeyMod.Alt | m.KeyCode.KeyF], contextMenuGroupId: '1_modification', run: format })
    qe.extras = { openBox, goToDefinition, format } // tests and buttons call these
  })
})()
