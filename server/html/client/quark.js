/*
 * quark.js: the browser side of Quark components, served at /_quark/quark.js.
 * Plain fetch, no dependencies.
 *   <div id="c1" data-quark-load="/app/c/f.load">...</div>  (LOAD(..., { ajax: true }))
 *     is filled from its URL; data-quark-timeout / data-quark-times reload it.
 *   Forms inside a component are submitted with fetch and the component is
 *     replaced by the response (unless data-quark-trap="false").
 *   <a href="..." data-quark-target="c1"> loads the link into component c1.
 *   Flash: the server sends `quark-component-flash` (URI-encoded) on ajax
 *     responses; it is shown in #quark-flash. `quark-redirect` navigates the page.
 *   window.quark = { load(target, url), flash(message) }
 */
(function () {
  'use strict'
  var HEADERS = { 'X-Requested-With': 'XMLHttpRequest' }

  function byId(target) { return typeof target === 'string' ? document.getElementById(target) : target }

  function flash(message) {
    var box = document.getElementById('quark-flash')
    if (!box) return
    var text = box.querySelector('.quark-flash-text') || box
    text.textContent = message || ''
    box.classList.toggle('d-none', !message)
    if (message) box.classList.add('show')
  }

  // innerHTML does not run <script>; re-create them so components may carry behaviour.
  function runScripts(el) {
    var scripts = el.querySelectorAll('script')
    for (var i = 0; i < scripts.length; i++) {
      var old = scripts[i]
      var s = document.createElement('script')
      for (var j = 0; j < old.attributes.length; j++) s.setAttribute(old.attributes[j].name, old.attributes[j].value)
      s.text = old.text
      old.parentNode.replaceChild(s, old)
    }
  }

  function handle(el, response) {
    var f = response.headers.get('quark-component-flash')
    if (f) { try { flash(decodeURIComponent(f)) } catch (e) { flash(f) } }
    var to = response.headers.get('quark-redirect')
    if (to) { window.location.href = to; return Promise.resolve() }
    return response.text().then(function (html) {
      el.innerHTML = html
      el.classList.remove('quark-component-loading')
      runScripts(el)
      el.dispatchEvent(new CustomEvent('quark:loaded', { bubbles: true, detail: { url: response.url, status: response.status } }))
      init(el)
    })
  }

  function request(el, url, options) {
    el.classList.add('quark-component-loading')
    el.setAttribute('data-quark-url', url)
    var opts = options || {}
    var headers = Object.assign({}, HEADERS, { 'Quark-Component': el.id || '', 'Quark-Component-Location': window.location.href })
    return fetch(url, { method: opts.method || 'GET', body: opts.body, headers: headers, credentials: 'same-origin' })
      .then(function (r) { return handle(el, r) })
      .catch(function (err) {
        el.classList.remove('quark-component-loading')
        el.dispatchEvent(new CustomEvent('quark:error', { bubbles: true, detail: { url: url, error: String(err) } }))
      })
  }

  function load(target, url) {
    var el = byId(target)
    if (!el) return Promise.resolve()
    return request(el, url || el.getAttribute('data-quark-load'))
  }

  function schedule(el) {
    var timeout = parseInt(el.getAttribute('data-quark-timeout') || '', 10)
    var url = el.getAttribute('data-quark-load')
    if (!timeout) { load(el, url); return }
    var times = el.getAttribute('data-quark-times') || '1'
    var left = times === 'infinity' ? Infinity : parseInt(times, 10) || 1
    var tick = function () {
      if (!document.body.contains(el) || left-- <= 0) return
      load(el, url).then(function () { if (left > 0) setTimeout(tick, timeout) })
    }
    setTimeout(tick, timeout)
  }

  function init(root) {
    var els = (root || document).querySelectorAll('[data-quark-load]')
    for (var i = 0; i < els.length; i++) {
      if (els[i].getAttribute('data-quark-started')) continue
      els[i].setAttribute('data-quark-started', '1')
      schedule(els[i])
    }
  }

  function componentOf(node) {
    var el = node.closest('[data-quark-load],[data-quark-component]')
    return el && el.getAttribute('data-quark-trap') !== 'false' ? el : null
  }

  // Ajax forms: delegated, so forms arriving in later responses are trapped too.
  document.addEventListener('submit', function (ev) {
    var form = ev.target
    if (!(form instanceof HTMLFormElement) || form.getAttribute('data-quark-trap') === 'false') return
    var el = componentOf(form)
    if (!el) return
    ev.preventDefault()
    var method = (form.getAttribute('method') || 'GET').toUpperCase()
    var base = el.getAttribute('data-quark-url') || el.getAttribute('data-quark-load') || el.getAttribute('data-quark-component')
    var action = form.getAttribute('action')
    var url = !action || action === '#' ? base : form.action
    var data = new FormData(form)
    if (ev.submitter && ev.submitter.name) data.append(ev.submitter.name, ev.submitter.value)
    if (method === 'GET') {
      var u = new URL(url, window.location.href)
      data.forEach(function (v, k) { if (typeof v === 'string') u.searchParams.append(k, v) })
      request(el, u.toString())
    } else {
      request(el, url, { method: method, body: data })
    }
  })

  document.addEventListener('click', function (ev) {
    var a = ev.target instanceof Element ? ev.target.closest('a[data-quark-target]') : null
    if (a) { ev.preventDefault(); load(a.getAttribute('data-quark-target'), a.getAttribute('href')); return }
    var closer = ev.target instanceof Element ? ev.target.closest('#quark-flash') : null
    if (closer) flash('')
  })

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', function () { init(document) })
  else init(document)

  window.quark = { load: load, flash: flash, init: init }
})()
