// The test runner's page: shows the last run (embedded in the page), and
// while it runs polls status.json and adds each result as it arrives. A
// failure links to the editor at the line it came from. Text only: results
// are shown with textContent.
(function () {
  'use strict'
  const cfg = JSON.parse(document.getElementById('tests-config').textContent)
  const body = document.querySelector('#test-results tbody')
  const summary = document.getElementById('test-summary')
  const stopBtn = document.querySelector('#stop-tests button')
  let shown = 0

  function editUrl(at) {
    return cfg.urls.edit + '?file=' + encodeURIComponent(at.path) + '&line=' + at.line
  }

  function row(r) {
    const tr = body.insertRow()
    tr.className = r.ok ? '' : 'table-danger'
    tr.dataset.ok = r.ok ? 'true' : 'false'
    const badge = document.createElement('span')
    badge.className = 'badge ' + (r.ok ? 'text-bg-success' : 'text-bg-danger')
    badge.textContent = r.ok ? 'ok' : 'failed'
    tr.insertCell().appendChild(badge)
    const cell = tr.insertCell()
    const name = document.createElement('div')
    name.innerHTML = '<span class="text-muted small font-monospace"></span> <span class="qk-test-name"></span>'
    name.firstChild.textContent = r.file + ':'
    name.lastChild.textContent = r.name
    cell.appendChild(name)
    if (!r.ok) {
      const err = document.createElement('pre')
      err.className = 'small text-danger mb-1 qk-test-error'
      err.style.whiteSpace = 'pre-wrap'
      err.textContent = r.error || ''
      cell.appendChild(err)
      if (r.at) {
        const a = document.createElement('a')
        a.className = 'small qk-test-at'
        a.href = editUrl(r.at)
        a.textContent = r.at.path + ':' + r.at.line
        cell.appendChild(a)
      }
    }
    const ms = tr.insertCell()
    ms.className = 'text-end small text-muted'
    ms.textContent = String(r.ms)
  }

  function render(run) {
    if (!run) { summary.innerHTML = '<p class="text-muted small">No run yet.</p>'; return }
    for (; shown < run.results.length; shown++) row(run.results[shown])
    const parts = [run.passed + ' passed', run.failed + ' failed']
    let text = run.running ? 'Running' + (run.current ? ' ' + run.current : '') + '… ' : (run.failed ? 'Failed: ' : 'Passed: ')
    text += parts.join(', ')
    if (run.ended) text += ' (' + run.ended + ')'
    summary.textContent = ''
    const p = document.createElement('div')
    p.className = 'alert py-2 mb-0 ' + (run.running ? 'alert-info' : run.failed || run.ended ? 'alert-danger' : 'alert-success')
    p.dataset.state = run.running ? 'running' : 'done'
    p.id = 'test-state'
    p.textContent = text + ' · started ' + run.started.replace('T', ' ').slice(0, 19)
    summary.appendChild(p)
    if (stopBtn) stopBtn.disabled = !run.running
  }

  async function poll() {
    try {
      const r = await fetch(cfg.urls.status, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
      const run = await r.json()
      if (run && run.results.length < shown) { body.textContent = ''; shown = 0 }
      render(run)
      if (run && run.running) setTimeout(poll, 500)
    } catch (e) { setTimeout(poll, 2000) }
  }

  render(cfg.run)
  if (cfg.run && cfg.run.running) setTimeout(poll, 300)
})()
