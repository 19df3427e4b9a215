// The cookie store through the conformance suite (no lock: the concurrent run checks only that every request is answered).
import { CookieStore } from '../../server/session/stores/cookie'
import { storeConformance } from './stores-conformance'

const secrets = ['a secret of the shop app, 32 chars']

storeConformance({
  name: 'cookie',
  locks: false,
  config: () => ({ store: 'cookie', secrets }),
  async age(_appFolder, cookie) {
    // the same data, written two days ago: what a browser would replay after the session's maxAge
    const data = await new CookieStore({ secrets, app: 'shop' }).load(cookie)
    const past = new CookieStore({ secrets, app: 'shop', now: () => Date.now() - 2 * 86400_000 })
    return past.save('', JSON.stringify(data))
  },
  cleanupRemoves: false,
  forged: 'q1.' + Buffer.alloc(60, 7).toString('base64url'),
})
