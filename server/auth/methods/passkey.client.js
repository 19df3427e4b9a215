// Quark's passkey buttons (served at /_quark/quark-passkey.js, after /_quark/simplewebauthn-browser.js):
// a button with data-quark-passkey="register" or "authenticate", its options in data-options, runs the
// browser's WebAuthn ceremony and posts the answer in the form named by data-form.
'use strict'
document.addEventListener('click', async (ev) => {
  const b = ev.target instanceof Element ? ev.target.closest('[data-quark-passkey]') : null
  if (!b) return
  ev.preventDefault()
  const form = document.getElementById(b.getAttribute('data-form'))
  const out = form.querySelector('.quark-passkey-error')
  try {
    const optionsJSON = JSON.parse(b.getAttribute('data-options'))
    const lib = window.SimpleWebAuthnBrowser
    const answer = b.getAttribute('data-quark-passkey') === 'register' ? await lib.startRegistration({ optionsJSON }) : await lib.startAuthentication({ optionsJSON })
    form.elements.response.value = JSON.stringify(answer)
    form.submit()
  } catch (e) {
    if (out) { out.textContent = 'Passkey: ' + (e && e.message ? e.message : String(e)); out.classList.remove('d-none') }
  }
})
