/**
 * session/: file sessions (database and Redis stores later, same surface).
 *
 *   loadSession(appFolder, cookieValue) → Session (plain object + forget()/renew())
 *   saveSession(appFolder, session) → { setCookie? }
 *   releaseSession(session), sessionId(session), cookieName(app)
 *   cleanupSessions(appFolder, maxAgeSeconds), maybeCleanup(...)
 */
export { loadSession, saveSession, releaseSession, sessionId, cookieName, cleanupSessions, maybeCleanup, type Session, type SessionOptions, type SaveResult } from './fileSessions'
export * from './errors'
