/** Errors the session room raises on purpose. */
import { defineError } from '../errors'

export const QK_SESSION_NOT_SERIALIZABLE = defineError('QK_SESSION_NOT_SERIALIZABLE', 500, 'Session data cannot be saved as JSON: %s', 'Something stored in the session is not JSON-serialisable (a function, a cycle, a BigInt).')
