/** Errors the HTTP room raises on purpose. */
import { defineError } from '../errors'

export const QK_HTTP_BODY_TOO_LARGE = defineError('QK_HTTP_BODY_TOO_LARGE', 413, 'Request body larger than %s bytes', 'The request body (urlencoded, JSON, raw or multipart) exceeds the configured limit (--max-body, maxBodySize).')
export const QK_HTTP_BAD_JSON = defineError('QK_HTTP_BAD_JSON', 400, 'Malformed JSON body: %s', 'A request declared application/json but its body does not parse.')
export const QK_HTTP_BAD_BODY = defineError('QK_HTTP_BAD_BODY', 400, 'Malformed request body: %s', 'A urlencoded or multipart body could not be read.')
export const QK_HTTP_ABORTED = defineError('QK_HTTP_ABORTED', 400, 'Client aborted the request', 'The client closed the connection while sending the body.')
export const QK_HTTP_BAD_PATH = defineError('QK_HTTP_BAD_PATH', 400, 'Invalid path: %s', 'A static path contains traversal, encoded slashes or control characters.')
export const QK_HTTP_BAD_CERT = defineError('QK_HTTP_BAD_CERT', 500, 'Cannot read certificate or key: %s', 'The --cert/--key files given could not be read.')
export const QK_HTTP_FILE_TOO_LARGE = defineError('QK_HTTP_FILE_TOO_LARGE', 413, 'Uploaded file %s is larger than %s bytes', 'A file of a multipart body exceeds the per-file limit (--max-file, maxFileSize; at most --max-body).')
export const QK_HTTP_TOO_MANY_PARTS = defineError('QK_HTTP_TOO_MANY_PARTS', 413, 'Multipart body has more than %s parts', 'A multipart body has more fields and files than the limit (--max-parts, maxParts).')
export const QK_HTTP_TOO_MANY_FILES = defineError('QK_HTTP_TOO_MANY_FILES', 413, 'Multipart body has more than %s files', 'A multipart body has more files than the limit (--max-files, maxFiles).')
export const QK_HTTP_DISK_FULL = defineError('QK_HTTP_DISK_FULL', 507, 'Insufficient storage: no space left on the server to receive the upload (%s)', 'Writing an uploaded file to the temp folder (--upload-tmp, the system temp folder) failed with ENOSPC or EDQUOT: the disk or the quota is full. Nothing of the upload is kept; free space and the same request succeeds.')
export const QK_HTTP_BAD_HOST = defineError('QK_HTTP_BAD_HOST', 400, 'Host not allowed: %s', 'The request named a Host (or a trusted proxy an X-Forwarded-Host) that is not in --allowed-hosts: answered 400 before dispatch, so no page, redirect or mailed link is built from it.')
export const QK_HTTP_BAD_TRUST_PROXY = defineError('QK_HTTP_BAD_TRUST_PROXY', 400, 'Invalid --trust-proxy entry %s: %s', 'Each entry of --trust-proxy is an IP address, a CIDR (10.0.0.0/8), `loopback` or `*`.')
