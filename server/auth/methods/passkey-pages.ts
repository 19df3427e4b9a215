/**
 * The passkey pages of auth.form():
 *   /user/passkeys               the profile's passkeys: add one, remove one
 *   /user/passkey_login          log in with a passkey (the login page's button posts here)
 *   /user/passkey_second_factor  a passkey as the second step after the password
 * The browser part is @simplewebauthn/browser, served by Quark at /_quark/ (no CDN).
 */
import { current } from '../../current'
import { redirect } from '../../http'
import { BUTTON, DIV, FORM, INPUT, LI, P, SCRIPT, SPAN, UL, URL } from '../../html'
import type { Auth } from '../auth'
import { processAuthForm } from '../authform'
import { credentialTable, credentialsOf } from './credentials'
import { authenticationOptions, passkeyMethod, registerPasskey, registrationOptions, takeChallenge, type PasskeyOptions } from './passkey'
import { clearPendingLogin, pendingLogin, secondFactorStep } from './second-factor'
import { page, userUrl } from './totp-pages'

const T = (s: string, a?: unknown[]) => String(current.T(s, a as never))
const flash = (s: string) => { (current.session as Record<string, unknown>).flash = T(s) }
// under the site's path_prefix, like every link Quark writes
const scripts = () => [SCRIPT({ _src: URL.asset('simplewebauthn-browser.js') }), SCRIPT({ _src: URL.asset('quark-passkey.js') })]

/** A form posting a WebAuthn answer to `action`, with the button that runs the ceremony. */
function ceremonyForm(id: string, action: string, kind: 'register' | 'authenticate', options: unknown, label: string, extra: unknown[] = []): unknown {
  const key = formKeyFor(id)
  return FORM(
    DIV({ _class: 'alert alert-danger d-none quark-passkey-error' }),
    ...(extra as never[]),
    INPUT({ _type: 'hidden', _name: 'response', _value: '' }),
    INPUT({ _type: 'hidden', _name: '_formname', _value: id }),
    INPUT({ _type: 'hidden', _name: '_formkey', _value: key }),
    BUTTON(T(label), { _type: 'button', _class: 'btn btn-outline-primary quark-passkey-button', '_data-quark-passkey': kind, '_data-options': JSON.stringify(options), '_data-form': id } as never),
    { _id: id, _action: action, _method: 'post', _enctype: 'application/x-www-form-urlencoded', _class: `quark-passkey-form ${id}` })
}

/** A one-time form key of processAuthForm's kind, for a form rendered by hand. */
function formKeyFor(formname: string): string {
  const session = current.session as Record<string, unknown>
  const k = `_formkey[${formname}]`
  const key = (globalThis.crypto as Crypto).randomUUID().replace(/-/g, '')
  session[k] = [...(Array.isArray(session[k]) ? session[k] as string[] : []), key].slice(-5)
  return key
}

export async function passkeyLoginButton(auth: Auth): Promise<unknown[]> {
  const o = auth.loginMethod<PasskeyOptions>('passkey')
  if (!o) return []
  const opts = await authenticationOptions(auth, o.options, 'login')
  return [DIV(ceremonyForm('passkey_login', userUrl(auth, 'passkey_login'), 'authenticate', opts, 'Sign in with a passkey') as never, ...scripts(), { _class: 'mt-3' })]
}

async function checked(auth: Auth, o: PasskeyOptions, purpose: 'login' | 'second', user?: any) {
  const f = await processAuthForm(purpose === 'login' ? 'passkey_login' : 'passkey_second', [{ name: 'response', label: 'Passkey' }], 'Continue')
  if (!f.accepted) return { f, r: null }
  const r = await passkeyMethod.verify({ auth, options: o, user }, { response: f.vars.response, challenge: takeChallenge(purpose) })
  return { f, r }
}

export async function passkeyLoginPage(auth: Auth): Promise<unknown> {
  const o = auth.loginMethod<PasskeyOptions>('passkey')!
  const { f, r } = await checked(auth, o.options, 'login')
  if (r?.ok) {
    // a passkey is already two factors (something you have, unlocked by something you know or are)
    await auth.loginUser(r.user)
    flash(auth.messages.loggedIn)
    redirect(auth.safeNext((current.request as any).vars._next, auth.settings.loginNext))
  }
  ;(current.response as { status: number }).status = 400
  return page('passkey_login', 'Sign in with a passkey', DIV(T(r && !r.ok ? r.message : f.errors._form ?? 'No passkey answer'), { _class: 'alert alert-danger quark-passkey-refused' }), ...await passkeyLoginButton(auth))
}

export async function passkeySecondFactorPage(auth: Auth): Promise<unknown> {
  const p = pendingLogin()
  if (!p) { flash('Session expired: log in again'); redirect(userUrl(auth, 'login')) }
  const o = auth.loginMethod<PasskeyOptions>('passkey')!
  const user = await auth.tableUser.get(p!.id)
  const { r } = await checked(auth, o.options, 'second', user)
  if (user && r?.ok) {
    clearPendingLogin()
    await auth.loginUser(user, p!.remember)
    flash(auth.messages.loggedIn)
    redirect(auth.safeNext(p!.next, auth.settings.loginNext))
  }
  const opts = await authenticationOptions(auth, o.options, 'second', user ?? undefined)
  return page('passkey_second', 'Two-factor authentication',
    r && !r.ok ? DIV(T(r.message), { _class: 'alert alert-danger' }) : '',
    P(T('Confirm with one of your passkeys.')),
    ceremonyForm('passkey_second', userUrl(auth, 'passkey_second_factor'), 'authenticate', opts, 'Use my passkey'), ...scripts())
}

export async function passkeysPage(auth: Auth): Promise<unknown> {
  if (!(await auth.authenticate())) redirect(auth.loginUrl((current.request as { url: string }).url))
  const o = auth.loginMethod<PasskeyOptions>('passkey')!
  const user = (await auth.tableUser.get(auth.userId!))!
  const post = (current.request as any).postVars as Record<string, unknown>
  let error = ''
  if ((current.request as any).method === 'POST' && post._formname === 'passkey_register') {
    const f = await processAuthForm('passkey_register', [{ name: 'response', label: 'Passkey' }, { name: 'label', label: 'Name' }], 'Add')
    if (f.accepted) {
      const err = await registerPasskey(auth, o.options, user, String(f.vars.response), String(f.vars.label ?? '').slice(0, 100))
      if (!err) { flash('Passkey added'); redirect(userUrl(auth, 'passkeys')) }
      error = T(err)
    } else error = f.errors._form ?? T('Invalid request')
  }
  const rows = await credentialsOf(auth.db, user.id as number, 'passkey')
  const items: unknown[] = []
  for (const c of rows) {
    const f = await processAuthForm(`passkey_remove_${c.id}`, [], 'Remove')
    if (f.accepted) {
      await auth.db(credentialTable(auth.db).id.eq(c.id)).delete()
      await auth.logEvent('Passkey removed', user.id as number, 'passkey')
      flash('Passkey removed')
      redirect(userUrl(auth, 'passkeys'))
    }
    items.push(LI(SPAN(String(c.label || 'Passkey'), { _class: 'me-3 fw-bold' }), SPAN(T('added %s', [new Date(c.created_on as Date).toISOString().slice(0, 10)]), { _class: 'me-3' }), f.render(), { _class: 'mb-2 quark-passkey-item' }))
  }
  const opts = await registrationOptions(auth, o.options, user)
  return page('passkeys', 'Passkeys',
    error ? DIV(error, { _class: 'alert alert-danger' }) : '',
    rows.length ? UL(...(items as never[]), { _class: 'list-unstyled' }) : P(T('No passkey yet.')),
    ceremonyForm('passkey_register', userUrl(auth, 'passkeys'), 'register', opts, 'Add a passkey',
      [DIV(INPUT({ _type: 'text', _name: 'label', _class: 'form-control', _placeholder: T('Name of this passkey (e.g. laptop)'), _id: 'passkey_register_label' }), { _class: 'mb-2' })]),
    ...scripts())
}
