/**
 * The OpenID Connect pages of auth.form():
 *   /user/oidc_login/<provider>      start a login (the login page's buttons)
 *   /user/oidc_callback/<provider>   the redirect URI to register with the provider
 *   /user/oidc_link                  confirm with the password before an existing account is linked
 *   /user/accounts                   the profile's linked providers: link, unlink
 * Every refusal answers 400 with the reason on the login page, creates no
 * session and no user, and is logged in auth_event.
 */
import { current } from '../../current'
import { redirect } from '../../http'
import { A, DIV, P, UL, LI, SPAN, URL } from '../../html'
import { IS_NOT_EMPTY } from '../../validators'
import type { Auth } from '../auth'
import { processAuthForm } from '../authform'
import { verifyPassword } from '../password'
import { throttleState, EVENTS } from '../throttle'
import { credentialTable, credentialsOf } from './credentials'
import { openidClient } from './oidc-providers'
import { authorizationUrl, identityFromCallback, linkIdentity, oidcMethod, OidcRefused, takePending, type Identity, type OidcOptions } from './oidc'
import { secondFactorStep } from './second-factor'
import { page, userUrl } from './totp-pages'

const T = (s: string, a?: unknown[]) => String(current.T(s, a as never))
const flash = (s: string) => { (current.session as Record<string, unknown>).flash = T(s) }
const LINK = '_oidc_link'

function request(): any { return current.request }
function callbackUrl(auth: Auth, name: string): string {
  const [c, f] = auth.settings.formAction
  return URL(c, f, { args: ['oidc_callback', name], scheme: true, host: true })
}
function refused(auth: Auth, message: string): unknown {
  (current.response as { status: number }).status = 400
  return page('oidc_error', 'Sign-in refused', DIV(message, { _class: 'alert alert-danger quark-oidc-error' }), P(A(T('Back to the login page'), { _href: userUrl(auth, 'login') })))
}

/** The login page's buttons, one per provider. */
export function oidcButtons(auth: Auth): unknown[] {
  const o = auth.loginMethod<OidcOptions>('oidc')
  if (!o) return []
  const next = request()?.vars?._next
  return [DIV(...o.options.providers.map((p) => A(T('Sign in with %s', [p.label]), {
    _href: URL(...auth.settings.formAction, { args: ['oidc_login', p.name], vars: typeof next === 'string' ? { _next: next } : undefined }),
    _class: `btn btn-outline-secondary me-2 mb-2 quark-oidc-${p.name}`,
  })), { _class: 'quark-oidc-buttons mt-3' })]
}

export async function oidcLoginPage(auth: Auth): Promise<unknown> {
  const o = auth.loginMethod<OidcOptions>('oidc')!
  const p = o.options.providers.find((x) => x.name === request().args[1])
  if (!p) return refused(auth, T('Unknown sign-in provider'))
  const next = auth.safeNext(request().vars._next, auth.settings.loginNext)
  let url: string
  openidClient() // loaded before the try: a missing package is QK_PACKAGE_LOAD, not an unreachable provider
  try { url = await authorizationUrl(p, callbackUrl(auth, p.name), next, null) } catch { return refused(auth, T('%s cannot be reached: try again later', [p.label])) }
  redirect(url)
}

export async function oidcCallbackPage(auth: Auth): Promise<unknown> {
  const o = auth.loginMethod<OidcOptions>('oidc')!
  const name = String(request().args[1] ?? '')
  const p = o.options.providers.find((x) => x.name === name)
  if (!p) return refused(auth, T('Unknown sign-in provider'))
  const vars = request().vars as Record<string, unknown>
  const state = typeof vars.state === 'string' ? vars.state : ''
  // throttled like the password: refused callbacks count as failed logins of the address
  if ((await throttleState(auth, null, String(request().client ?? ''))).locked) {
    await auth.logEvent(EVENTS.lockedOut, null, `oidc:${name}`)
    return refused(auth, T(auth.messages.locked))
  }
  if (typeof vars.error === 'string') {
    try { takePending(state, name) } catch { /* spent either way */ }
    await auth.logEvent(`OIDC login refused: ${String(vars.error)}`.slice(0, 500), null, `oidc:${name}`)
    return refused(auth, T('%s refused the sign-in: %s', [p.label, String(vars.error_description ?? vars.error).slice(0, 200)]))
  }
  let pending
  try { pending = takePending(state, name) } catch (e) {
    await auth.logEvent(EVENTS.loginFailed, null, `oidc:${name}`)
    await auth.logEvent(`OIDC login refused: ${(e as Error).message}`, null, `oidc:${name}`)
    return refused(auth, T((e as Error).message))
  }
  const url = callbackUrl(auth, name) + '?' + String(request().url ?? '').split('?').slice(1).join('?')
  if (pending.linkUser !== null) {
    // linking from the profile: the identity goes to the logged-in user who started it
    if (auth.userId !== pending.linkUser) return refused(auth, T('Log in again to link an account'))
    try {
      const id = await identityFromCallback(p, url, pending, state)
      const t = credentialTable(auth.db)
      const other = await auth.db(t.method.eq(`oidc:${name}`).and(t.subject.eq(id.subject))).count()
      if (other) return refused(auth, T('This %s account is already linked to an account here', [p.label]))
      await linkIdentity(auth, pending.linkUser, id)
      flash(`${p.label} linked`)
      redirect(userUrl(auth, 'accounts'))
    } catch (e) {
      if (!(e instanceof OidcRefused)) throw e
      await auth.logEvent(`OIDC link refused: ${e.message}`.slice(0, 500), pending.linkUser, `oidc:${name}`)
      return refused(auth, T(e.message))
    }
  }
  const r = await oidcMethod.verify({ auth, options: o.options }, { provider: name, url, state, pending }) as Awaited<ReturnType<typeof oidcMethod.verify>> & { identity?: Identity }
  if (!r.ok) {
    if (r.code !== 'not-enrolled') await auth.logEvent(EVENTS.loginFailed, null, `oidc:${name}`)
    if (r.code === 'not-enrolled' && r.identity?.emailVerified) {
      // an account has this email and the provider vouches for it: link after its password
      ;(current.session as Record<string, unknown>)[LINK] = { identity: r.identity, next: pending.next, until: Date.now() + 10 * 60_000 }
      redirect(userUrl(auth, 'oidc_link'))
    }
    return refused(auth, T(r.message))
  }
  return finishLogin(auth, r.user, pending.next, `oidc:${name}`)
}

async function finishLogin(auth: Auth, user: any, next: string, via: string): Promise<unknown> {
  const step = await secondFactorStep(auth, user, false, next, via)
  if (step.url) redirect(step.url)
  await auth.loginUser(user)
  flash(auth.messages.loggedIn)
  redirect(auth.safeNext(next, auth.settings.loginNext))
}

/** /user/oidc_link: the existing account's password, then the provider is linked and the user logged in. */
export async function oidcLinkPage(auth: Auth): Promise<unknown> {
  const session = current.session as Record<string, unknown>
  const pending = session[LINK] as { identity: Identity; next: string; until: number } | undefined
  if (!pending || pending.until < Date.now()) { delete session[LINK]; flash('Session expired: log in again'); redirect(userUrl(auth, 'login')) }
  const id = pending!.identity
  const f = await processAuthForm('oidc_link', [{ name: 'password', label: 'Password', type: 'password', autocomplete: 'current-password', requires: [IS_NOT_EMPTY()] }], 'Link and log in')
  if (f.accepted) {
    const r = await auth.checkLogin(id.email, String(f.vars.password))
    if (r.user) {
      delete session[LINK]
      await linkIdentity(auth, r.user.id as number, id)
      return finishLogin(auth, r.user, pending!.next, `oidc:${id.provider}`)
    }
    f.errors._form = T(r.error === 'locked' ? auth.messages.locked : auth.messages.invalidPassword)
  }
  return page('oidc_link', 'Link your account', P(T('An account with the email %s exists. Enter its password to link %s to it.', [id.email, id.provider])), f.render())
}

/** /user/accounts: linked providers, each with an unlink form; a link form for the others. */
export async function accountsPage(auth: Auth): Promise<unknown> {
  if (!(await auth.authenticate())) redirect(auth.loginUrl(request().url))
  const o = auth.loginMethod<OidcOptions>('oidc')!
  const uid = auth.userId!
  const items: unknown[] = []
  for (const p of o.options.providers) {
    const linked = (await credentialsOf(auth.db, uid, `oidc:${p.name}`))[0]
    const f = await processAuthForm(`${linked ? 'unlink' : 'link'}_${p.name}`, [], linked ? T('Unlink') : T('Link'))
    if (f.accepted && linked) {
      const row = await auth.tableUser.get(uid)
      // never leave an account with no way in: no password and no other provider
      const others = (await auth.db(credentialTable(auth.db).user_id.eq(uid).and(credentialTable(auth.db).method.startsWith('oidc:'))).count()) - 1
      if (!row?.password && others === 0) f.errors._form = T('Set a password first (Lost password?): this is your only way to log in')
      else {
        await auth.db(credentialTable(auth.db).id.eq(linked.id)).delete()
        await auth.logEvent(`Unlinked ${p.name}`, uid, `oidc:${p.name}`)
        flash(`${p.label} unlinked`)
        redirect(userUrl(auth, 'accounts'))
      }
    }
    if (f.accepted && !linked) {
      let url: string
      openidClient() // loaded before the try: a missing package is QK_PACKAGE_LOAD, not an unreachable provider
      try { url = await authorizationUrl(p, callbackUrl(auth, p.name), userUrl(auth, 'accounts'), uid) } catch { return refused(auth, T('%s cannot be reached: try again later', [p.label])) }
      redirect(url)
    }
    items.push(LI(SPAN(p.label, { _class: 'me-3 fw-bold' }), SPAN(linked ? T('linked (%s)', [String(linked.label || linked.subject)]) : T('not linked'), { _class: 'me-3' }), f.render(), { _class: `mb-3 quark-account-${p.name}` }))
  }
  return page('accounts', 'Linked accounts', UL(...(items as never[]), { _class: 'list-unstyled' }))
}
