/** The password method: Auth.checkLogin (throttled, same answer and time for unknown accounts) behind the seam. */
import { refuse, text, type LoginMethod, type MethodResult } from './types'

const MESSAGES = { invalid: 'Invalid login', locked: 'Account locked: too many failed logins, try again later', pending: 'Registration needs verification', disabled: 'Account disabled' }

export const passwordMethod: LoginMethod<Record<string, never>> = {
  name: 'password',
  factors: ['first'],
  configure: () => ({}),
  async verify({ auth }, credential): Promise<MethodResult> {
    const login = text(credential, auth.settings.username ? 'username' : 'email', 512) || text(credential, 'login', 512)
    const password = text(credential, 'password', 1024)
    if (!login || !password) return refuse('malformed', MESSAGES.invalid)
    const r = await auth.checkLogin(login, password)
    return r.user ? { ok: true, user: r.user } : refuse(r.error, auth.messages[r.error === 'invalid' ? 'invalidLogin' : r.error === 'pending' ? 'mustVerify' : r.error] ?? MESSAGES[r.error])
  },
}
