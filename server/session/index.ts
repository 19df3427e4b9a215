/**
 * session/: sessions over a store of stores/ (files by default; database, Redis, cookie by configuration).
 *
 *   loadSession(appFolder, cookieValue) → Session (plain object + forget()/renew())
 *   saveSession(appFolder, session) → { setCookie? }
 *   releaseSession(session), sessionId(session), cookieName(app)
 *   cleanupSessions(appFolder, maxAgeSeconds), maybeCleanup(...)
 *   storeFor(appFolder), setSessionStore(appFolder, store), closeSessionStores(), makeStore(appFolder, config)
 */
export { loadSession, saveSession, releaseSession, sessionId, cookieName, cleanupSessions, maybeCleanup, type Session, type SessionOptions, type SaveResult } from './fileSessions'
export { storeFor, setSessionStore, closeSessionStores, makeStore, readConfig, configPath, FileStore, type SessionStore, type SessionConfig, type StoreKind, type Unlock } from './stores'
export * from './errors'
