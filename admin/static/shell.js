// The web shell's page: a WebSocket to /admin/live?shell=<app>, a command box with
// history (kept per app in localStorage), answers shown as text or, for DAL
// Rows, as a table; Commit / Roll back for the last command's transaction;
// Stop for a running one. Everything from the server is shown as text.
(function () {
  'use strict'
  const cfg = JSON.parse(document.getElementById('shell-config').textContent)
  const $ = (id) => document.getElementById(id)
  const out = $('shell-out'), input = $('shell-input'), status = $('shell-status')
  const tx = $('shell-tx'), runBtn = $('shell-run'), stopBtn = $('shell-stop')
  const historyKey = 'quark-shell-history:' + cfg.app
  let history = []
  try { history = JSON.parse(localStorage.getItem(historyKey) || '[]') } catch (e) { history = [] }
  let cursor = history.length
  let socket = null

  function setStatus(state, text) {
    status.dataset.state = state
    status.textContent = text
    status.className = 'badge ' + ({ ready: 'text-bg-success', running: 'text-bg-warning', pending: 'text-bg-info', closed: 'text-bg-danger' }[state] || 'text-bg-secondary')
    runBtn.disabled = state !== 'ready'
    stopBtn.disabled = state !== 'running'
    tx.classList.toggle('d-none', state !== 'pending') // Bootstrap's d-flex would win over [hidden]
  }

  function add(tag, cls, text) {
    const el = document.createElement(tag)
    el.className = cls
    el.textContent = text
    out.appendChild(el)
    out.scrollTop = out.scrollHeight
    return el
  }

  function table(t) {
    const wrap = document.createElement('div')
    wrap.className = 'table-responsive qk-rows'
    const tbl = document.createElement('table')
    tbl.className = 'table table-sm table-bordered table-striped mb-1'
    const head = tbl.createTHead().insertRow()
    for (const c of t.columns) { const th = document.createElement('th'); th.textContent = c; head.appendChild(th) }
    const body = tbl.createTBody()
    for (const r of t.rows) { const tr = body.insertRow(); for (const v of r) tr.insertCell().textContent = v }
    wrap.appendChild(tbl)
    out.appendChild(wrap)
    add('div', 'qk-note', t.total + ' row' + (t.total === 1 ? '' : 's') + (t.total > t.rows.length ? ' (' + t.rows.length + ' shown)' : ''))
  }

  function connect() {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:'
    socket = new WebSocket(scheme + '//' + location.host + cfg.socket + '?shell=' + encodeURIComponent(cfg.app) + '&csrf=' + encodeURIComponent(cfg.csrf))
    setStatus('connecting', 'starting (the models run)…')
    socket.onmessage = (ev) => {
      const m = JSON.parse(ev.data)
      if (m.type === 'ready') setStatus('ready', 'ready')
      else if (m.type === 'running') setStatus('running', 'running…')
      else if (m.type === 'result') {
        if (m.output) add('pre', 'qk-print', m.output)
        if (m.table) table(m.table)
        if (m.value !== undefined && m.value !== null) add('pre', 'qk-val', m.value)
        if (!m.ok) add('pre', 'qk-err', m.error + '\n(rolled back)')
        setStatus(m.pending ? 'pending' : 'ready', m.pending ? 'transaction open' : 'ready')
      } else if (m.type === 'done') {
        add('div', 'qk-note', m.error ? m.action + ' failed: ' + m.error : (m.action === 'commit' ? 'committed' : 'rolled back'))
        setStatus('ready', 'ready')
      } else if (m.type === 'stopped') {
        add('pre', 'qk-err', 'stopped: ' + m.reason)
        setStatus('connecting', 'restarting…')
      } else if (m.type === 'error') {
        add('pre', 'qk-err', m.message)
        if (status.dataset.state === 'connecting') setStatus('ready', 'ready')
      }
    }
    socket.onclose = () => { setStatus('closed', 'disconnected: reload the page'); socket = null }
  }

  function run() {
    const code = input.value
    if (!code.trim() || !socket || socket.readyState !== 1) return
    add('div', 'qk-cmd', code)
    if (history[history.length - 1] !== code) history.push(code)
    history = history.slice(-200)
    cursor = history.length
    try { localStorage.setItem(historyKey, JSON.stringify(history)) } catch (e) { /* private mode: history for this page only */ }
    socket.send(JSON.stringify({ type: 'run', code, timeout: Number($('shell-timeout').value) || 30 }))
    input.value = ''
    setStatus('running', 'running…')
  }

  $('shell-form').addEventListener('submit', (ev) => { ev.preventDefault(); run() })
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); run(); return }
    // the history on ↑ at the first line and ↓ at the last, so multi-line editing still moves the caret
    const before = input.value.slice(0, input.selectionStart)
    const after = input.value.slice(input.selectionEnd)
    if (ev.key === 'ArrowUp' && !before.includes('\n') && cursor > 0) { ev.preventDefault(); input.value = history[--cursor] }
    else if (ev.key === 'ArrowDown' && !after.includes('\n') && cursor < history.length) { ev.preventDefault(); cursor++; input.value = history[cursor] || '' }
  })
  stopBtn.addEventListener('click', () => socket && socket.send(JSON.stringify({ type: 'stop' })))
  $('shell-commit').addEventListener('click', () => { socket.send(JSON.stringify({ type: 'commit' })); setStatus('running', 'committing…') })
  $('shell-rollback').addEventListener('click', () => { socket.send(JSON.stringify({ type: 'rollback' })); setStatus('running', 'rolling back…') })
  connect()
})()
