/** Errors the session room raises on purpose. */
import { defineError } from '../errors'

export const QK_SESSION_NOT_SERIALIZABLE = defineError('QK_SESSION_NOT_SERIALIZABLE', 500, 'Session data cannot be saved as JSON: %s', 'Something stored in the session is not JSON-serialisable (a function, a cycle, a BigInt).')
export const QK_SESSION_BAD_CONFIG = defineError('QK_SESSION_BAD_CONFIG', 500, 'Bad session configuration in %s: %s', 'private/session.json of the app names an unknown store or lacks what that store needs (uri, url, secret).')
export const QK_SESSION_LOCK_TIMEOUT = defineError('QK_SESSION_LOCK_TIMEOUT', 503, 'Session busy: its lock was not released within %s ms', 'Another request of the same session (in this process or another) held the session longer than lockWait.')
export const QK_SESSION_LOCK_LOST = defineError('QK_SESSION_LOCK_LOST', 503, 'Session lock lost before the write (held longer than lockTtl); nothing was written', 'A request kept a session longer than the lock lifetime and another request took it over; the write is refused so the other request\'s data is not torn.')
export const QK_SESSION_STORE_DOWN = defineError('QK_SESSION_STORE_DOWN', 503, 'Session store unavailable (%s): %s', 'The database or Redis that holds the sessions did not answer; the request is refused and nothing is half-written.')
export const QK_SESSION_COOKIE_TOO_LARGE = defineError('QK_SESSION_COOKIE_TOO_LARGE', 500, 'Cookie session too large: %s bytes once encrypted (browsers keep at most 4096 per cookie)', 'The cookie store keeps the whole session in the cookie: store less in the session, or use the file, database or Redis store.')
