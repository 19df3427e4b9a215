/** Errors the compile room raises on purpose (QK_COMPILE_...). */
import { defineError } from '../errors'

export const QK_COMPILE_FAILED = defineError('QK_COMPILE_FAILED', 500, 'Cannot compile %s: %s', 'An app file has a syntax error; nothing of the compiled form was kept.')
export const QK_COMPILE_NO_APP = defineError('QK_COMPILE_NO_APP', 404, 'No app folder %s', 'The app to compile does not exist.')
