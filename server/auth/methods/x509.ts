/**
 * Login by X.509 client certificate (web2py's X509 login): Quark's HTTPS
 * server asks the browser for a certificate of the CA given to
 * `quark run --client-ca ca.pem [--client-crl crl.pem]`; TLS verifies the
 * chain, the dates and the revocation list, and request.clientCertificate is
 * set only when all of that passed. The certificate's email (or its subject
 * CN) then names the user. A refused certificate (another CA, expired,
 * revoked) gets its reason, creates nothing, is logged in auth_event and
 * counts toward the login throttle like a wrong password.
 *
 *   auth.enable('x509', { map: 'email' | 'cn', createUser?: false })
 *   /user/x509_login   the login page's "Sign in with your certificate" link
 */
import { current } from '../../current'
import { redirect } from '../../http'
import { A, DIV, P } from '../../html'
import type { Row } from '../../dal'
import { QK_AUTH_BAD_OPTION } from '../errors'
import { throttleState, loginOrigin, EVENTS } from '../throttle'
import type { Auth } from '../auth'
import { credentialTable } from './credentials'
import { page, userUrl } from './totp-pages'
import { refuse, type LoginMethod, type MethodResult } from './types'

export interface X509Options {
  /** what names the user: the certificate's email (subject emailAddress or subjectAltName email), or its subject CN */
  map: 'email' | 'cn'
  /** make the auth_user on a first login with a valid certificate (default false: only known users) */
  createUser?: boolean
}

/** What request.clientCertificate holds (server/http/request.ts). */
interface Certificate { subject: string; commonName: string; email: string; serial: string; fingerprint256: string; validTo: string }

/** OpenSSL's verification codes → what the user is told. */
function refusalOf(error: string): MethodResult {
  if (error === 'CERT_HAS_EXPIRED') return refuse('expired', 'Your certificate has expired')
  if (error === 'CERT_NOT_YET_VALID') return refuse('invalid', 'Your certificate is not valid yet')
  if (error === 'CERT_REVOKED') return refuse('invalid', 'Your certificate has been revoked')
  return refuse('invalid', 'Your certificate is not signed by an authority this site trusts')
}

export const x509Method: LoginMethod<X509Options> = {
  name: 'x509',
  factors: ['first'],
  configure(o: unknown): X509Options {
    const x = (o ?? {}) as Partial<X509Options>
    if (typeof x !== 'object') throw new QK_AUTH_BAD_OPTION('x509', "{ map: 'email' | 'cn', createUser?: boolean }")
    const map = x.map ?? 'email'
    if (map !== 'email' && map !== 'cn') throw new QK_AUTH_BAD_OPTION('x509.map', "'email' or 'cn'")
    return { map, createUser: x.createUser === true }
  },
  /** credential: { certificate: request.clientCertificate, error: request.clientCertificateError } */
  async verify({ auth, options: o }, credential): Promise<MethodResult> {
    // from the TLS socket (request.clientCertificate): anything else is refused as malformed
    const given = credential?.certificate as Partial<Certificate> | undefined
    const cert = given && typeof given === 'object' && ['subject', 'commonName', 'email', 'fingerprint256'].every((k) => typeof given[k as keyof Certificate] === 'string' && given[k as keyof Certificate]!.length < 4096) ? given as Certificate : undefined
    if (given !== undefined && !cert) return refuse('malformed', 'Your browser sent no usable certificate')
    const error = typeof credential?.error === 'string' ? credential.error.slice(0, 100) : ''
    const client = (current.request as { client?: string } | undefined)?.client ?? ''
    const key = cert ? (o.map === 'email' ? cert.email : cert.commonName) : ''
    const origin = loginOrigin(`x509:${cert?.fingerprint256 ?? error}`)
    if ((await throttleState(auth, null, client, origin)).locked) {
      await auth.logEvent(EVENTS.lockedOut, null, origin)
      return refuse('locked', 'Account locked: too many failed logins, try again later')
    }
    const fail = async (r: MethodResult, why: string, userId: number | null = null) => {
      await auth.logEvent(EVENTS.loginFailed, userId, origin)
      await auth.logEvent(`X509 login refused: ${why}`.slice(0, 500), userId, 'x509')
      return r
    }
    if (!cert && !error) return refuse('malformed', 'Your browser sent no certificate')
    if (!cert) return fail(refusalOf(error), error)
    if (!key) return fail(refuse('invalid', o.map === 'email' ? 'Your certificate names no email address' : 'Your certificate names no common name'), `no ${o.map} in ${cert.subject}`)
    let user = await findUser(auth, o, key)
    if (!user) {
      if (!o.createUser) return fail(refuse('invalid', 'No account matches your certificate'), `no account for ${cert.subject}`)
      const id = await auth.registerUser({
        first_name: cert.commonName || key, last_name: '', email: cert.email,
        ...(auth.settings.username ? { username: cert.commonName || key } : {}), password: '', registration_key: '',
      })
      await auth.logEvent('Registered from X509 certificate', id, 'x509')
      if (o.map === 'cn') await credentialTable(auth.db).insert({ user_id: id, method: 'x509', subject: `CN=${key}`, label: cert.subject })
      user = await auth.tableUser.get(id)
    }
    const k = String(user!.registration_key ?? '')
    if (k === 'disabled' || k === 'blocked' || k === 'pending') return fail(refuse(k === 'pending' ? 'pending' : 'disabled', 'Account disabled'), 'account disabled', user!.id as number)
    return { ok: true, user: user! }
  },
}

/** The user a certificate names: by email; by CN as the username, or as a linked credential. */
async function findUser(auth: Auth, o: X509Options, key: string): Promise<Row | null> {
  if (o.map === 'email') return auth.tableUser.get({ email: key.toLowerCase() })
  if (auth.settings.username) return auth.tableUser.get({ username: key })
  const t = credentialTable(auth.db)
  const link = (await auth.db(t.method.eq('x509').and(t.subject.eq(`CN=${key}`))).select({ limitby: [0, 1] })).first()
  return link ? auth.tableUser.get(link.user_id as number) : null
}

const T = (s: string) => String(current.T(s))

/** The login page's link (only when the method is enabled). */
export function x509LoginLink(auth: Auth): unknown[] {
  if (!auth.loginMethod('x509')) return []
  return [P(A(T('Sign in with your certificate'), { _href: userUrl(auth, 'x509_login'), _class: 'btn btn-outline-secondary quark-x509-login' }), { _class: 'mt-3' })]
}

/** /user/x509_login: the certificate the TLS handshake verified logs the user in; a refused one says why. */
export async function x509LoginPage(auth: Auth): Promise<unknown> {
  const o = auth.loginMethod<X509Options>('x509')!
  const req = current.request as { clientCertificate?: Certificate; clientCertificateError?: string; vars: Record<string, unknown> }
  const r = await x509Method.verify({ auth, options: o.options }, { certificate: req.clientCertificate, error: req.clientCertificateError })
  if (r.ok) {
    await auth.loginUser(r.user)
    ;(current.session as Record<string, unknown>).flash = T(auth.messages.loggedIn)
    redirect(auth.safeNext(req.vars._next, auth.settings.loginNext))
  }
  ;(current.response as { status: number }).status = r.ok ? 200 : r.code === 'malformed' ? 400 : 403
  return page('x509_login', 'Sign in with your certificate',
    DIV(T(r.ok ? '' : r.message), { _class: 'alert alert-danger quark-x509-refused' }),
    P(A(T('Back to the login page'), { _href: userUrl(auth, 'login') })))
}
