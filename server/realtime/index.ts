/**
 * realtime/: websockets and server-sent events for apps, channels fanned out
 * in-process or through Redis pub/sub, and live reload in development.
 *
 * Framework names (models, controllers, views): `websocket({ open, message,
 * close })`, `eventStream(async function* ...)`, `broadcast(channel, data)`,
 * `subscribe(channel)`. The core wires `attachAppUpgrades(server, handler,
 * { appFolder })` after listening, and the request lifecycle passes HTML
 * pages through `withLiveReload`.
 */
import { websocket } from './websocket'
import { eventStream, subscribe, broadcast } from './sse'

export { websocket, CLOSE_SLOW_CLIENT, DEFAULT_MAX_BUFFERED, DEFAULT_MAX_MESSAGE, type AppSocket, type SocketHandlers } from './websocket'
export { eventStream, subscribe, broadcast, formatEvent, type StreamContext, type StreamEvent } from './sse'
export { attachAppUpgrades, routeUpgrade, upgradeOf, isAdminLivePath, type PendingUpgrade } from './upgrade'
export { channelsOf, closeRealtimeBuses, realtimeConfig, type RealtimeConfig } from './hub'
export { withLiveReload, liveReloadOn, liveReloadScript, LIVE_RELOAD_PATH } from './livereload'
export * from './errors'

/** The names models, controllers and views see without imports. */
export function realtimeNames(): Record<string, unknown> {
  return { websocket, eventStream, broadcast, subscribe }
}
