import { defineError } from '../errors/index'

export const QK_REALTIME_UPGRADE_REQUIRED = defineError('QK_REALTIME_UPGRADE_REQUIRED', 426, 'This URL is a websocket: %s', 'A websocket() action was requested without an Upgrade: websocket handshake (open it with new WebSocket(url))')
export const QK_REALTIME_BAD_ORIGIN = defineError('QK_REALTIME_BAD_ORIGIN', 403, 'Websocket from another origin refused: %s', 'The Origin of a websocket handshake is not the host it was sent to (nor listed in the websocket\'s origins): a page of another site cannot open it with the user\'s cookies')
export const QK_REALTIME_BAD_HANDSHAKE = defineError('QK_REALTIME_BAD_HANDSHAKE', 400, 'Bad websocket handshake: %s', 'The upgrade request lacks a valid Sec-WebSocket-Key or a supported Sec-WebSocket-Version (13)')
export const QK_REALTIME_BAD_CHANNEL = defineError('QK_REALTIME_BAD_CHANNEL', 400, 'Invalid channel name: %s', 'broadcast()/subscribe() channel names are 1 to 200 printable characters')
export const QK_REALTIME_OUTSIDE_REQUEST = defineError('QK_REALTIME_OUTSIDE_REQUEST', 500, '%s needs a request (or a websocket handler) of an app', 'broadcast()/subscribe()/websocket()/eventStream() were called where no app request is current')
export const QK_REALTIME_BAD_CONFIG = defineError('QK_REALTIME_BAD_CONFIG', 500, 'Invalid realtime configuration %s: %s', 'private/realtime.json (or applications/realtime.json) is not { "redis"?: "redis://...", "liveReload"?: boolean }')
export const QK_REALTIME_REDIS_DOWN = defineError('QK_REALTIME_REDIS_DOWN', 503, 'Cannot publish on %s: %s', 'The Redis server named in realtime.json did not take a broadcast (down or unreachable); the message was not sent')
