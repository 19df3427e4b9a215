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
import { eventStream, subscribe, broadcast, closeEventStreams } from './sse'
import { closeAppSockets } from './websocket'
import { closeLiveReload } from './livereload'
import { closeRealtimeBuses } from './hub'

export { websocket, closeAppSockets, CLOSE_SLOW_CLIENT, DEFAULT_MAX_BUFFERED, DEFAULT_MAX_MESSAGE, type AppSocket, type SocketHandlers } from './websocket'
export { eventStream, subscribe, broadcast, formatEvent, type StreamContext, type StreamEvent } from './sse'
export { attachAppUpgrades, routeUpgrade, upgradeOf, isAdminLivePath, type PendingUpgrade } from './upgrade'
export { channelsOf, closeRealtimeBuses, realtimeConfig, type RealtimeConfig } from './hub'
export { withLiveReload, closeLiveReload, liveReloadOn, liveReloadScript, LIVE_RELOAD_PATH } from './livereload'
export * from './errors'

/** The names models, controllers and views see without imports. */
export function realtimeNames(): Record<string, unknown> {
  return { websocket, eventStream, broadcast, subscribe }
}

/**
 * Graceful shutdown, first step: app websockets and live-reload channels closed with 1001, event
 * streams ended (an upgraded socket or an endless response would hold the listening server's close open). The Redis connections are
 * closed last, with closeRealtimeBuses(), once in-flight requests are done.
 */
export function closeRealtimeSockets(): void {
  closeAppSockets()
  closeLiveReload()
  closeEventStreams()
}
