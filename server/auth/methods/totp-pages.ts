/**
 * The TOTP pages of auth.form(): /user/two_factor (the second step of a
 * login) and /user/totp (set up, new recovery codes, turn off: in the
 * profile). The QR code is made here by `qrcode` as a PNG data: URL, so
 * the secret never leaves the server for a chart service.
 */
import { current } from '../../current'
import { lazyPackage } from '../../errors'
import { redirect } from '../../http'
import { DIV, H2, P, UL, LI, IMG, CODE, A, URL } from '../../html'
import { IS_NOT_EMPTY } from '../../validators'
import type { Auth } from '../auth'
import { processAuthForm } from '../authform'
import { verifyPassword } from '../password'
import { credentialTable } from './credentials'
import { clearPendingLogin, pendingLogin, rememberDevice } from './second-factor'
import { enrolTotp, newRecoveryCodesFor, newSecret, totpCredential, totpMethod, type TotpOptions } from './totp'
import { matchStep, otpauthUri } from './totp-core'

/** qrcode (and its PNG encoder, ~9 MB of RSS) is loaded when the first QR code is drawn, not at start-up. */
const qrcode = lazyPackage('qrcode', 'the TOTP QR code', () => require('qrcode') as typeof import('qrcode'))

const T = (s: string, a?: unknown[]) => String(current.T(s, a as never))
const flash = (s: string) => { (current.session as Record<string, unknown>).flash = T(s) }
export const page = (action: string, title: string, ...body: unknown[]) => DIV(H2(T(title)), ...(body as never[]), { _class: `quark-auth quark-auth-${action}` })
export const userUrl = (auth: Auth, action: string): string => { const [c, f] = auth.settings.formAction; return URL(c, f, { args: [action] }) }

/** /user/two_factor: the code (or a recovery code) after the password. */
export async function twoFactorPage(auth: Auth): Promise<unknown> {
  const p = pendingLogin()
  if (!p) { flash('Session expired: log in again'); redirect(userUrl(auth, 'login')) }
  const totp = auth.loginMethod<TotpOptions>('totp')
  const fields = [{ name: 'code', label: 'Code from your authenticator app, or a recovery code', autocomplete: 'one-time-code', requires: [IS_NOT_EMPTY()] }] as Parameters<typeof processAuthForm>[1]
  if (totp && totp.options.rememberDays > 0) fields.push({ name: 'remember_device', label: `Remember this device for ${totp.options.rememberDays} days`, type: 'checkbox' })
  const f = await processAuthForm('two_factor', fields, 'Verify')
  if (f.accepted && totp) {
    const user = await auth.tableUser.get(p!.id)
    const r = user ? await totpMethod.verify({ auth, options: totp.options, user }, { code: f.vars.code }) : null
    if (user && r?.ok) {
      clearPendingLogin()
      if (f.vars.remember_device) rememberDevice(p!.id, String((await totpCredential(auth, p!.id))!.secret), totp.options.rememberDays)
      await auth.loginUser(user, p!.remember)
      flash(auth.messages.loggedIn)
      redirect(auth.safeNext(p!.next, auth.settings.loginNext))
    }
    f.errors._form = T(r && !r.ok ? r.message : 'Invalid code')
    if (r && !r.ok && r.code === 'locked') clearPendingLogin()
  }
  const extra: unknown[] = []
  const passkey = auth.loginMethod('passkey')
  if (passkey) extra.push(P(A(T('Use a passkey instead'), { _href: userUrl(auth, 'passkey_second_factor'), _class: 'quark-passkey-2fa' })))
  return page('two_factor', 'Two-factor authentication', P(T('Enter the 6-digit code your authenticator app shows.')), f.render(), ...extra)
}

/** /user/totp: set up two-factor with a QR code; once set up, new recovery codes or turn it off (password needed). */
export async function totpPage(auth: Auth): Promise<unknown> {
  if (!(await auth.authenticate())) redirect(auth.loginUrl((current.request as { url: string }).url))
  const totp = auth.loginMethod<TotpOptions>('totp')!
  const session = current.session as Record<string, unknown>
  const user = auth.user!
  const cred = await totpCredential(auth, user.id)
  if (cred) {
    const pw = [{ name: 'password', label: 'Password', type: 'password' as const, autocomplete: 'current-password', requires: [IS_NOT_EMPTY()] }]
    const codes = await processAuthForm('totp_codes', pw, 'New recovery codes')
    const off = await processAuthForm('totp_off', pw, 'Turn off two-factor')
    const row = await auth.tableUser.get(user.id)
    for (const f of [codes, off]) {
      if (!f.accepted) continue
      if (!(await verifyPassword(String(f.vars.password), row!.password))) { f.errors.password = T(auth.messages.invalidPassword); continue }
      if (f === off) {
        await auth.db(credentialTable(auth.db).id.eq(cred.id)).delete()
        await auth.logEvent('Two-factor turned off', user.id, 'totp')
        flash('Two-factor authentication is off')
        redirect(userUrl(auth, 'totp'))
      }
      const fresh = await newRecoveryCodesFor(auth, cred)
      await auth.logEvent('Recovery codes renewed', user.id, 'totp')
      return page('totp', 'Two-factor authentication', showCodes(fresh))
    }
    const left = ((cred.data as { recovery?: string[] })?.recovery ?? []).length
    return page('totp', 'Two-factor authentication',
      P(T('Two-factor authentication is on.'), { _class: 'quark-totp-on' }),
      P(T('%s recovery codes left.', [left])), codes.render(), DIV({ _class: 'mt-4' }), off.render())
  }
  // set up: a secret kept in the session until a code from the app confirms it
  if (typeof session._totp_secret !== 'string') session._totp_secret = newSecret()
  const secret = session._totp_secret as string
  const f = await processAuthForm('totp_enrol', [{ name: 'code', label: 'Code from your authenticator app', autocomplete: 'one-time-code', requires: [IS_NOT_EMPTY()] }], 'Turn on two-factor')
  if (f.accepted) {
    const step = matchStep(secret, String(f.vars.code).replace(/\s+/g, ''), Date.now(), { window: totp.options.window })
    if (step === null) f.errors.code = T('Invalid code')
    else {
      delete session._totp_secret
      const codes = await enrolTotp(auth, user.id, secret, step)
      await auth.logEvent('Two-factor turned on', user.id, 'totp')
      return page('totp', 'Two-factor authentication', P(T('Two-factor authentication is on.'), { _class: 'quark-totp-on' }), showCodes(codes))
    }
  }
  const issuer = totp.options.issuer || String(current.application ?? 'Quark')
  const uri = otpauthUri(secret, String(user.email ?? user.username ?? user.id), issuer)
  // a PNG data: URL (Quark's URL filter refuses SVG data: URLs, which can carry script)
  const png = await qrcode().toDataURL(uri, { margin: 1, width: 200, errorCorrectionLevel: 'M' })
  return page('totp', 'Two-factor authentication',
    P(T('Scan this code with an authenticator app, then enter the code it shows.')),
    IMG({ _src: png, _alt: T('QR code'), _width: 200, _height: 200, _class: 'quark-totp-qr mb-3' }),
    P(T('Or enter this key:'), ' ', CODE(secret.replace(/(.{4})/g, '$1 ').trim(), { _class: 'quark-totp-secret' })),
    f.render())
}

function showCodes(codes: string[]): unknown {
  return DIV(
    P(T('Your recovery codes: each works once, if you lose your device. Keep them somewhere safe: they are shown only now.')),
    UL(...codes.map((c) => LI(CODE(c))), { _class: 'quark-recovery-codes list-unstyled' }),
    { _class: 'alert alert-warning' })
}

