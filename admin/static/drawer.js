// On a narrow screen the editor's file list is a drawer (Bootstrap offcanvas-md):
// choosing a file closes it, so the file opens in view.
(function () {
  'use strict'
  const drawer = document.getElementById('qk-files')
  if (!drawer || !window.bootstrap) return
  drawer.addEventListener('click', (ev) => {
    if (!ev.target.closest('[data-open]') || !drawer.classList.contains('show')) return
    const oc = window.bootstrap.Offcanvas.getInstance(drawer)
    if (oc) oc.hide()
  })
})()
