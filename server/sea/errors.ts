/** Errors raised on purpose by the single-binary runtime shim. */
import { defineError } from '../errors/index'

export const QK_SEA_ASSET_MISSING = defineError('QK_SEA_ASSET_MISSING', 500,
  'The binary has no embedded asset "%s" (was it built with `npm run build`?)',
  'An asset the runtime needs was not embedded in the single executable.')

export const QK_SEA_PACK_CORRUPT = defineError('QK_SEA_PACK_CORRUPT', 500,
  'Packed folder "%s" is corrupt: %s',
  'A packed folder asset does not have the expected header or index.')

export const QK_SEA_NOT_PACKED = defineError('QK_SEA_NOT_PACKED', 500,
  'File "%s" is not embedded in the binary; add it to build/assets.ts',
  'Code asked the binary for a project file the build did not pack.')

export const QK_SEA_EXTRACT_FAILED = defineError('QK_SEA_EXTRACT_FAILED', 500,
  'Could not extract "%s" to %s: %s',
  'Writing an embedded executable or folder to the user cache folder failed.')

export const QK_SEA_BAD_NAME = defineError('QK_SEA_BAD_NAME', 400,
  'Invalid path inside a packed folder: %s',
  'A path given to a packed folder is absolute or escapes the folder.')
