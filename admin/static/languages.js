// The translation editor's page: a translation is saved when its field is
// left (changed), plural forms when their row is submitted; each answers
// with a short "saved" or the error next to the field.
(function () {
  'use strict'
  const strings = document.getElementById('strings')
  const plurals = document.getElementById('plurals')

  async function post(url, csrf, body) {
    const r = await fetch(url, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRF-Token': csrf },
      body: JSON.stringify(body),
    })
    let data = null
    try { data = await r.json() } catch (e) { data = { error: r.statusText } }
    if (!r.ok) throw new Error((data && data.error) || ('HTTP ' + r.status))
    return data
  }

  function say(el, text, ok) {
    el.textContent = text
    el.className = 'small qk-saved ' + (ok ? 'text-success' : 'text-danger')
  }

  if (strings) {
    strings.addEventListener('change', async (ev) => {
      const field = ev.target
      if (!field.classList || !field.classList.contains('qk-tr')) return
      const row = field.closest('tr')
      const note = row.querySelector('.qk-saved')
      row.dataset.state = 'saving'
      try {
        const r = await post(strings.dataset.url, strings.dataset.csrf, { source: field.dataset.source, translation: field.value })
        row.dataset.state = r.translated ? 'translated' : 'untranslated'
        say(note, 'saved', true)
      } catch (e) {
        row.dataset.state = 'error'
        say(note, e.message, false)
      }
    })
    // grow a field with its text, so long strings stay readable
    const fit = (t) => { t.style.height = 'auto'; t.style.height = t.scrollHeight + 2 + 'px' }
    strings.querySelectorAll('textarea.qk-tr').forEach(fit)
    strings.addEventListener('input', (ev) => { if (ev.target.classList.contains('qk-tr')) fit(ev.target) })
  }

  if (plurals) {
    plurals.addEventListener('submit', async (ev) => {
      const form = ev.target.closest('form.qk-plural')
      if (!form) return
      ev.preventDefault()
      const note = form.querySelector('.qk-saved')
      const forms = Array.from(form.querySelectorAll('input')).map((i) => i.value)
      form.dataset.state = 'saving'
      try {
        await post(plurals.dataset.url, plurals.dataset.csrf, { word: form.dataset.word, forms })
        form.dataset.state = 'saved'
        say(note, 'saved', true)
      } catch (e) {
        form.dataset.state = 'error'
        say(note, e.message, false)
      }
    })
  }
})()
