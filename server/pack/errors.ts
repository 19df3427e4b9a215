/** Errors the pack room raises on purpose (QK_PACK_...). */
import { defineError } from '../errors'

export const QK_PACK_BAD_ARCHIVE = defineError('QK_PACK_BAD_ARCHIVE', 400, 'Refused archive: %s', 'An uploaded .w2t is not a gzipped tar, or an entry is unsafe (absolute path, .., link, device) or too large; nothing was written.')
export const QK_PACK_TARGET_EXISTS = defineError('QK_PACK_TARGET_EXISTS', 409, 'An app named %s already exists', 'Install under a new name or delete the existing app first.')
export const QK_PACK_BAD_NAME = defineError('QK_PACK_BAD_NAME', 400, 'Invalid app name: %s', 'App names are letters, digits and underscores, starting with a letter.')
export const QK_PACK_NO_APP = defineError('QK_PACK_NO_APP', 404, 'No app folder %s', 'The app to pack or compile does not exist.')
export const QK_PACK_USAGE = defineError('QK_PACK_USAGE', 400, '%s', 'A pack, unpack or compile command was called with wrong arguments.')
