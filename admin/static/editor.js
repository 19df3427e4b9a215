// The admin editor: Monaco (served from /admin/monaco/vs), tabs, Ctrl+S saves
// over fetch with the hash of the opened version (409 → ask), TypeScript
// IntelliSense from the app's declaration file and the framework sources,
// and the live channel (file changed on disk, log lines).
// Problems: the TypeScript worker's markers of the open files and quark
// check's (views, files not open) in one panel, click → line; a save with
// errors asks first; a saved model makes the declarations again so the other
// files see its tables; a compiled app says so and offers to remove that form.
(function () {
  'use strict'
  const cfg = JSON.parse(document.getElementById('qk-editor-config').textContent)
  const $ = (id) => document.getElementById(id)
  const status = (text, cls) => { const s = $('qk-status'); s.textContent = text; s.className = cls || '' }
  const tabs = new Map() // path → { path, model, hash, savedVersion, absolute, language, view }
  const libs = new Map() // absolute path → { content, disposable }
  let active = null
  let editor = null
  let monaco = null
  let ts = null
  let socket = null
  let readyResolve
  let checkProblems = [] // quark check's last answer: { path, line, column, code, message }
  let checking = null
  const ready = new Promise((r) => { readyResolve = r })

  window.quarkEditor = {
    ready, tabs, open, save, checkApp, problems, refreshTypes,
    get editor() { return editor }, get monaco() { return monaco }, get active() { return active },
  }

  function api(url, opts) {
    return fetch(url, Object.assign({ credentials: 'same-origin', headers: { Accept: 'application/json' } }, opts)).then(async (r) => {
      let body = null
      try { body = await r.json() } catch (e) { body = { error: r.statusText } }
      return { status: r.status, body }
    })
  }

  function isDirty(t) { return t.model.getAlternativeVersionId() !== t.savedVersion }

  function renderTabs() {
    const bar = $('qk-tabs')
    bar.textContent = ''
    for (const t of tabs.values()) {
      const el = document.createElement('div')
      el.className = 'qk-tab' + (t === active ? ' active' : '')
      el.setAttribute('role', 'tab')
      el.setAttribute('aria-selected', t === active ? 'true' : 'false')
      el.tabIndex = 0
      el.dataset.path = t.path
      el.title = t.path
      const name = document.createElement('span')
      name.textContent = t.path.split('/').pop()
      el.appendChild(name)
      if (isDirty(t)) { const d = document.createElement('span'); d.className = 'qk-dirty'; d.textContent = '●'; d.title = 'not saved'; el.appendChild(d) }
      const close = document.createElement('button')
      close.type = 'button'
      close.textContent = '×'
      close.setAttribute('aria-label', 'close ' + t.path)
      close.addEventListener('click', (ev) => { ev.stopPropagation(); closeTab(t) })
      el.appendChild(close)
      el.addEventListener('click', () => activate(t))
      el.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); activate(t) } })
      bar.appendChild(el)
    }
  }

  function activate(t, line) {
    if (active && active !== t) active.view = editor.saveViewState()
    active = t
    editor.setModel(t.model)
    if (t.view) editor.restoreViewState(t.view)
    if (line) { editor.revealLineInCenter(line); editor.setPosition({ lineNumber: line, column: 1 }) }
    editor.focus()
    $('qk-title').textContent = t.path
    document.title = 'Edit ' + t.path + ' · ' + cfg.app + ' · Quark admin'
    const u = new URL(location.href)
    u.searchParams.set('file', t.path)
    if (line) u.searchParams.set('line', String(line)); else u.searchParams.delete('line')
    history.replaceState(null, '', u)
    renderTabs()
    updateTry()
    if (monaco) renderProblems()
  }

  function closeTab(t) {
    if (isDirty(t) && !confirm(t.path + ' has unsaved changes. Close it anyway?')) return
    tabs.delete(t.path)
    unwatch(t)
    t.model.dispose()
    // a TypeScript file of the app goes back to being a lib, so the others still see it
    if (libs.has(t.absolute)) addLib(t.absolute, libs.get(t.absolute).content)
    if (active === t) { active = null; const next = [...tabs.values()].pop(); if (next) activate(next); else { editor.setModel(null); $('qk-title').textContent = 'Open a file from the list' } }
    renderTabs()
    renderProblems()
  }

  async function open(path, line) {
    await ready
    const have = tabs.get(path)
    if (have) { activate(have, line); return have }
    status('Opening ' + path + '…')
    const r = await api(cfg.urls.file + '?app=' + encodeURIComponent(cfg.app) + '&path=' + encodeURIComponent(path))
    if (r.status !== 200) { status('Cannot open ' + path + ': ' + (r.body && r.body.error), 'text-danger'); return null }
    const f = r.body
    // An open file replaces its lib copy: one source of truth per path for the TypeScript worker.
    const lib = libs.get(f.absolute)
    if (lib && lib.disposable) { lib.disposable.dispose(); lib.disposable = null }
    const uri = monaco.Uri.file(f.absolute)
    const old = monaco.editor.getModel(uri)
    if (old) old.dispose()
    const model = monaco.editor.createModel(f.content, f.language, uri)
    const t = { path: f.path, model, hash: f.hash, savedVersion: model.getAlternativeVersionId(), absolute: f.absolute, language: f.language, view: null }
    model.onDidChangeContent(() => renderTabs())
    tabs.set(f.path, t)
    activate(t, line)
    watch(t)
    status('Opened ' + f.path)
    // a view has no TypeScript worker: quark check says what is wrong in it (from the last one, or a new one)
    if (isView(t.path)) { if (checking || checkProblems.length) applyCheck(); else checkApp() }
    return t
  }

  async function save(force, withErrors) {
    const t = active
    if (!t) return
    const errors = await currentErrors(t)
    if (errors.length && withErrors !== true && force !== true) {
      const first = errors[0]
      if (!confirm(t.path + ' has ' + errors.length + ' error' + (errors.length === 1 ? '' : 's') + ' (first, line ' + first.line + ': ' + first.message.split('\n')[0] + ').\n\nSave it anyway?')) {
        status('Not saved: ' + errors.length + ' error' + (errors.length === 1 ? '' : 's') + ' in ' + t.path + ' (see Problems)', 'text-danger')
        return null
      }
    }
    const content = t.model.getValue()
    const version = t.model.getAlternativeVersionId()
    status('Saving ' + t.path + '…')
    const r = await api(cfg.urls.save, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': cfg.csrf },
      body: JSON.stringify({ app: cfg.app, path: t.path, content, hash: t.hash, force: force === true }),
    })
    if (r.status === 409) {
      if (confirm(t.path + ' changed on disk since you opened it.\n\nOK: overwrite it with your version.\nCancel: keep the version on disk (your changes stay in the editor, unsaved).')) return save(true, true)
      showConflict(t, 'Not saved: ' + t.path + ' changed on disk. Save again to overwrite it, or reload it.')
      status('Not saved (conflict)', 'text-danger')
      return r
    }
    if (r.status !== 200) { status('Save failed: ' + (r.body && r.body.error), 'text-danger'); return r }
    t.hash = r.body.hash
    t.savedVersion = version
    if (libs.has(t.absolute)) libs.get(t.absolute).content = content
    hideConflict()
    const count = errors.length ? ' with ' + errors.length + ' error' + (errors.length === 1 ? '' : 's') : ''
    status('Saved ' + t.path + count + ' at ' + new Date().toLocaleTimeString(), errors.length ? 'text-warning' : 'text-success')
    renderTabs()
    if (r.body.compiled) await compiledAfterSave(t)
    // a model defines tables: the declarations again from the live schema, for every open file
    if (/^models\//.test(t.path)) refreshTypes()
    if (isView(t.path) || /^(models|controllers)\//.test(t.path) && checkProblems.length) checkApp()
    return r
  }

  // ---- a compiled app ----
  function showCompiled(on) { $('qk-compiled').classList.toggle('d-none', !on) }

  /** Saved, but the app runs its compiled form: never a silent "Saved" — say so, offer to remove it. */
  async function compiledAfterSave(t) {
    showCompiled(true)
    status('Saved ' + t.path + ', but the app is compiled: the change is not live until the compiled form is removed', 'text-warning')
    if (confirm('Saved ' + t.path + '.\n\nThis app is compiled: it runs its compiled form, so the change has no effect yet.\n\nRemove the compiled form now (the app runs from its sources again)?')) {
      if (await removeCompiled()) status('Saved ' + t.path + '; the compiled form was removed: the app runs from its sources again', 'text-success')
    }
  }

  async function removeCompiled() {
    const r = await api(cfg.urls.removeCompiled, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': cfg.csrf },
      body: JSON.stringify({ app: cfg.app }),
    })
    if (r.status !== 200) { status('Could not remove the compiled form: ' + (r.body && r.body.error), 'text-danger'); return false }
    cfg.compiled = r.body.compiled
    showCompiled(r.body.compiled)
    return !r.body.compiled
  }

  // ---- problems ----
  function isView(p) { return /^views\/.+\.html?$/.test(p) }
  // Node packages and built-ins are not sent to the browser: their imports are not errors here
  const IGNORED_CODES = [2307, 2792, 7016]

  /**
   * The errors of the text as it is now: a TypeScript file's from the worker (its markers lag a
   * keystroke behind: a fix typed just before Ctrl+S must not be asked about), a view's from quark check.
   */
  async function currentErrors(t) {
    if (t.language === 'typescript') {
      try {
        const worker = await (await ts.getTypeScriptWorker())(t.model.uri)
        const uri = t.model.uri.toString()
        const diags = [...await worker.getSyntacticDiagnostics(uri), ...await worker.getSemanticDiagnostics(uri)]
        return diags.filter((d) => d.category === 1 && !IGNORED_CODES.includes(d.code)).map((d) => ({
          line: t.model.getPositionAt(d.start || 0).lineNumber,
          message: typeof d.messageText === 'string' ? d.messageText : d.messageText.messageText,
        })).sort((a, b) => a.line - b.line)
      } catch (e) { /* the worker is not ready: its markers say what it knew */ }
    }
    return monaco.editor.getModelMarkers({ resource: t.model.uri }).filter((m) => m.severity === monaco.MarkerSeverity.Error)
      .map((m) => ({ line: m.startLineNumber, message: m.message }))
  }

  /** Every problem: markers of the open files (the TypeScript worker's, quark check's for views), and quark check's of the others. */
  function problems() {
    const out = []
    const open = new Set()
    for (const t of tabs.values()) {
      open.add(t.path)
      for (const m of monaco.editor.getModelMarkers({ resource: t.model.uri })) {
        if (m.severity < monaco.MarkerSeverity.Warning) continue
        out.push({ path: t.path, line: m.startLineNumber, column: m.startColumn, message: m.message, error: m.severity === monaco.MarkerSeverity.Error, source: m.owner === 'quark-check' ? 'quark check' : 'ts' })
      }
    }
    for (const p of checkProblems) if (!open.has(p.path)) out.push({ path: p.path, line: p.line, column: p.column, message: p.message, error: true, source: 'quark check' })
    // the active file's first, then by file and line
    const rank = (p) => (active && p.path === active.path ? 0 : 1)
    return out.sort((a, b) => rank(a) - rank(b) || (a.path < b.path ? -1 : a.path > b.path ? 1 : a.line - b.line))
  }

  function renderProblems() {
    const list = $('qk-problem-list')
    const all = problems()
    list.textContent = ''
    $('qk-problem-count').textContent = String(all.length)
    $('qk-problem-count').className = 'badge ' + (all.some((p) => p.error) ? 'text-bg-danger' : all.length ? 'text-bg-warning' : 'text-bg-secondary')
    for (const p of all) {
      const li = document.createElement('li')
      li.className = 'qk-problem'
      li.tabIndex = 0
      li.setAttribute('role', 'button')
      li.dataset.path = p.path
      li.dataset.line = String(p.line)
      const sev = document.createElement('span')
      sev.className = p.error ? 'qk-sev-error' : 'qk-sev-warning'
      sev.textContent = p.error ? '✖' : '⚠'
      sev.setAttribute('aria-label', p.error ? 'error' : 'warning')
      const where = document.createElement('span')
      where.className = 'qk-where'
      where.textContent = p.path + ':' + p.line
      const text = document.createElement('span')
      text.className = 'qk-message'
      text.textContent = p.message.split('\n')[0] + (p.source === 'quark check' ? '  (quark check)' : '')
      text.title = p.message
      li.append(sev, where, text)
      const go = () => goTo(p.path, p.line, p.column)
      li.addEventListener('click', go)
      li.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); go() } })
      list.appendChild(li)
    }
  }

  async function goTo(path, line, column) {
    const t = await open(path, line)
    if (t && column) { editor.setPosition({ lineNumber: line, column }); editor.revealPositionInCenter({ lineNumber: line, column }) }
  }

  /** quark check over the whole app (views included): markers on open views, the rest listed. */
  function checkApp() {
    if (checking) return checking
    $('qk-check-state').textContent = 'quark check running…'
    checking = api(cfg.urls.check + '?app=' + encodeURIComponent(cfg.app)).then((r) => {
      checking = null
      if (r.status !== 200 || !r.body.available) {
        $('qk-check-state').textContent = 'quark check not available' + (r.body && r.body.error ? ': ' + r.body.error : '')
        return r.body
      }
      checkProblems = r.body.problems.filter((p) => p.path && p.line > 0)
      $('qk-check-state').textContent = 'quark check: ' + r.body.problems.length + ' problem' + (r.body.problems.length === 1 ? '' : 's') + ' at ' + new Date().toLocaleTimeString()
      applyCheck()
      return r.body
    }, (e) => { checking = null; $('qk-check-state').textContent = 'quark check failed: ' + e; return null })
    return checking
  }

  /** quark check's problems as markers of the open views (TypeScript files have the worker's own) */
  function applyCheck() {
    for (const t of tabs.values()) {
      if (!isView(t.path)) continue
      const mine = checkProblems.filter((p) => p.path === t.path)
      monaco.editor.setModelMarkers(t.model, 'quark-check', mine.map((p) => {
        const text = t.model.getLineContent(Math.min(p.line, t.model.getLineCount()))
        const col = p.column > 1 ? p.column : Math.max(1, text.search(/\S/) + 1)
        return { severity: monaco.MarkerSeverity.Error, message: p.message, startLineNumber: p.line, startColumn: col, endLineNumber: p.line, endColumn: Math.max(col + 1, text.length + 1), source: 'quark check' }
      }))
    }
    renderProblems()
  }

  function showConflict(t, text) {
    const box = $('qk-conflict')
    box.textContent = text + ' '
    const reload = document.createElement('button')
    reload.type = 'button'
    reload.className = 'btn btn-sm btn-outline-dark py-0'
    reload.textContent = 'Reload from disk'
    reload.addEventListener('click', () => reloadFromDisk(t))
    box.appendChild(reload)
    box.classList.remove('d-none')
  }
  function hideConflict() { $('qk-conflict').classList.add('d-none') }

  async function reloadFromDisk(t) {
    const r = await api(cfg.urls.file + '?app=' + encodeURIComponent(cfg.app) + '&path=' + encodeURIComponent(t.path))
    if (r.status !== 200) return
    t.model.setValue(r.body.content)
    t.hash = r.body.hash
    t.savedVersion = t.model.getAlternativeVersionId()
    hideConflict()
    renderTabs()
    status('Reloaded ' + t.path + ' from disk')
  }

  // "Try it": the action around the cursor for a controller, the action of a view.
  function updateTry() {
    const a = $('qk-try')
    let href = cfg.appHome || '/' + cfg.app + '/'
    const t = active
    if (t && /^controllers\/.+\.ts$/.test(t.path)) {
      const controller = t.path.slice(12, -3)
      const line = editor.getPosition() ? editor.getPosition().lineNumber : 1
      let action = 'index'
      for (let i = line; i >= 1; i--) {
        const m = /^\s*export\s+(?:async\s+)?(?:function\s*\*?\s*|const\s+|let\s+)([A-Za-z][\w$]*)/.exec(t.model.getLineContent(i))
        if (m) { action = m[1]; break }
      }
      href += controller + '/' + action
    } else if (t && /^views\/[^/]+\/[^/]+\.\w+$/.test(t.path)) {
      const parts = t.path.slice(6).split('/')
      href += parts[0] + '/' + parts[1].replace(/\.html$/, '')
    }
    a.href = href
    a.title = 'open ' + href
  }

  function addLib(absolute, content) {
    const entry = libs.get(absolute) || { content, disposable: null }
    entry.content = content
    if (entry.disposable) entry.disposable.dispose()
    entry.disposable = ts.typescriptDefaults.addExtraLib(content, monaco.Uri.file(absolute).toString())
    libs.set(absolute, entry)
  }

  async function loadTypes(fresh) {
    const r = await api(cfg.urls.types + '?app=' + encodeURIComponent(cfg.app) + (fresh ? '&fresh=1' : ''))
    if (r.status !== 200) { status('Types not loaded: ' + (r.body && r.body.error), 'text-warning'); return null }
    const open = new Set([...tabs.values()].map((t) => t.absolute))
    for (const lib of r.body.libs) {
      const have = libs.get(lib.path)
      if (have && have.content === lib.content && (have.disposable || open.has(lib.path))) continue  // unchanged: no re-check
      if (open.has(lib.path)) libs.set(lib.path, { content: lib.content, disposable: null })
      else addLib(lib.path, lib.content)
    }
    return r.body
  }

  /** The declarations made again from the live schema (after a model was saved): the other open files see the change. */
  async function refreshTypes() {
    const body = await loadTypes(true)
    if (body && body.refresh && !body.refresh.refreshed) status('Types kept from before: ' + body.refresh.error, 'text-warning')
    return body
  }

  // ---- live channel ----
  function connect() {
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
    try { socket = new WebSocket(proto + '//' + location.host + cfg.live) } catch (e) { return }
    socket.addEventListener('open', () => {
      $('qk-live').textContent = 'live: on'
      for (const t of tabs.values()) watch(t)
      if ($('qk-follow').getAttribute('aria-pressed') === 'true') socket.send(JSON.stringify({ type: 'follow', app: cfg.app }))
    })
    socket.addEventListener('close', () => { $('qk-live').textContent = 'live: off'; socket = null; setTimeout(connect, 3000) })
    socket.addEventListener('message', (ev) => {
      let m
      try { m = JSON.parse(ev.data) } catch (e) { return }
      if (m.type === 'changed') onChangedOnDisk(m)
      else if (m.type === 'log') appendLog(m.line)
    })
  }
  function watch(t) { if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'watch', app: cfg.app, path: t.path, hash: t.hash })) }
  function unwatch(t) { if (socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'unwatch', app: cfg.app, path: t.path })) }
  function onChangedOnDisk(m) {
    const t = tabs.get(m.path)
    if (!t || m.hash === t.hash) return
    if (m.hash === null) { showConflict(t, t.path + ' was deleted on disk.'); return }
    if (!isDirty(t)) { reloadFromDisk(t); status(t.path + ' changed on disk: reloaded') }
    else showConflict(t, t.path + ' changed on disk while you edit it.')
  }
  function appendLog(line) {
    const log = $('qk-log')
    log.textContent += line + '\n'
    if (log.textContent.length > 100000) log.textContent = log.textContent.slice(-80000)
    log.scrollTop = log.scrollHeight
  }

  // ---- start ----
  window.require.config({ paths: { vs: cfg.monacoBase } })
  window.require(['vs/editor/editor.main'], async function () {
    monaco = window.monaco
    ts = monaco.typescript && monaco.typescript.typescriptDefaults ? monaco.typescript : monaco.languages.typescript
    ts.typescriptDefaults.setCompilerOptions({
      target: ts.ScriptTarget.ES2022 || ts.ScriptTarget.Latest,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.NodeJs,
      allowNonTsExtensions: true,
      strict: true,
      noEmit: true,
      esModuleInterop: true,
      skipLibCheck: true,
      isolatedModules: true,
    })
    // Node packages and built-ins are not sent to the browser: their imports are not errors here.
    ts.typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false, diagnosticCodesToIgnore: IGNORED_CODES })
    ts.typescriptDefaults.setEagerModelSync(true)
    editor = monaco.editor.create($('qk-editor'), { model: null, automaticLayout: true, minimap: { enabled: false }, fontSize: 14, tabSize: 2, scrollBeyondLastLine: false })
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => save())
    editor.onDidChangeCursorPosition((e) => { $('qk-pos').textContent = 'Ln ' + e.position.lineNumber + ', Col ' + e.position.column; updateTry() })
    monaco.editor.onDidChangeMarkers(() => renderProblems())
    readyResolve()
    // fresh: the declarations from the models as they are now (the last request may have run older ones)
    const typesLoaded = loadTypes(true)
    window.quarkEditor.typesLoaded = typesLoaded
    connect()
    if (cfg.file) await open(cfg.file, cfg.line)
    else status('Open a file from the list')
    await typesLoaded
  })

  document.addEventListener('keydown', (ev) => {
    if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 's') { ev.preventDefault(); save() }
  })
  $('qk-save').addEventListener('click', () => save())
  $('qk-check').addEventListener('click', () => checkApp())
  $('qk-remove-compiled').addEventListener('click', async () => {
    if (!confirm('Remove the compiled form of ' + cfg.app + '? It runs from its sources again.')) return
    if (await removeCompiled()) status(cfg.app + ' runs from its sources again', 'text-success')
  })
  $('qk-follow').addEventListener('click', () => {
    const b = $('qk-follow')
    const on = b.getAttribute('aria-pressed') !== 'true'
    b.setAttribute('aria-pressed', on ? 'true' : 'false')
    b.classList.toggle('active', on)
    $('qk-log').classList.toggle('d-none', !on)
    if (on && socket && socket.readyState === 1) socket.send(JSON.stringify({ type: 'follow', app: cfg.app }))
  })
  // Files in the sidebar open in a tab instead of reloading the page.
  document.querySelectorAll('[data-open]').forEach((a) => a.addEventListener('click', (ev) => {
    if (ev.ctrlKey || ev.metaKey || ev.shiftKey) return
    ev.preventDefault()
    open(a.dataset.open)
  }))
  window.addEventListener('beforeunload', (ev) => {
    for (const t of tabs.values()) if (isDirty(t)) { ev.preventDefault(); ev.returnValue = ''; return }
  })
})()
