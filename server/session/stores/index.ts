/**
 * session/stores: where sessions live. One interface (types.ts), four stores:
 * file (default), database (DAL table), redis, cookie; chosen per app by
 * `<app>/private/session.json` (config.ts).
 */
export type { SessionStore, SessionConfig, StoreKind, Unlock } from './types'
export { storeFor, setSessionStore, closeSessionStores, makeStore, readConfig, configPath } from './config'
export { FileStore } from './file'
