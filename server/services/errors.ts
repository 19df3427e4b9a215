import { defineError } from '../errors/index'

export const QK_SERVICES_BAD_CALLBACK = defineError('QK_SERVICES_BAD_CALLBACK', 400, 'Invalid JSONP callback name: %s', 'The callback of a .jsonp request must be a JavaScript identifier path (a.b_c), nothing else')
export const QK_SERVICES_BAD_FEED = defineError('QK_SERVICES_BAD_FEED', 500, 'Cannot render %s: %s', 'An action rendered as .rss/.atom/.ics/.csv did not return the expected shape')
export const QK_SERVICES_NOT_FOUND = defineError('QK_SERVICES_NOT_FOUND', 404, 'No such service function: %s', 'Service.call() was asked for a kind or function that is not registered')
export const QK_SERVICES_BAD_CALL = defineError('QK_SERVICES_BAD_CALL', 400, 'Bad service call: %s', 'The body of an RPC call could not be read')
