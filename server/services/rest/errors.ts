/** The named errors of RestAPI (services/rest/): every refusal a client can get, with its status. */
import { defineError } from '../../errors/index'

export const QK_REST_NO_TABLE = defineError('QK_REST_NO_TABLE', 404, 'No such resource: %s (allowed: %s)', 'The table named in a RestAPI URL is not in the policy (or not in the database)')
export const QK_REST_NOT_FOUND = defineError('QK_REST_NOT_FOUND', 404, 'No record %s in %s', 'GET/PUT/PATCH/DELETE of an id that does not exist or that the policy\'s query hides')
export const QK_REST_METHOD = defineError('QK_REST_METHOD', 405, 'Method %s is not allowed on %s (allowed: %s)', 'The policy does not allow this HTTP method on this table')
export const QK_REST_BAD_FILTER = defineError('QK_REST_BAD_FILTER', 400, 'Bad filter %s: %s', 'A RestAPI query parameter names an unknown field or operator, or a value of the wrong type (the message lists what is allowed)')
export const QK_REST_BAD_LIMIT = defineError('QK_REST_BAD_LIMIT', 400, 'Bad %s: %s', '@limit / @offset that are not integers, negative, or above the policy\'s bound')
export const QK_REST_BAD_BODY = defineError('QK_REST_BAD_BODY', 400, 'Bad request body: %s', 'A RestAPI POST/PUT/PATCH body that is not a JSON object, is too large or too deeply nested, or names unknown fields')
export const QK_REST_FORBIDDEN_FIELD = defineError('QK_REST_FORBIDDEN_FIELD', 403, 'Field %s may not be written (writable: %s)', 'A RestAPI write names a field of the table that the policy does not let the client write')
export const QK_REST_UNAUTHORIZED = defineError('QK_REST_UNAUTHORIZED', 401, 'Not authenticated: %s', 'A RestAPI request with credentials that do not check out (bad password, forged or expired JWT, unknown or revoked API key), or none where the policy requires a login')
export const QK_REST_FORBIDDEN = defineError('QK_REST_FORBIDDEN', 403, 'Not allowed: %s', 'The caller is authenticated but lacks the membership, permission or API-key scope the policy requires')
export const QK_REST_RATE_LIMITED = defineError('QK_REST_RATE_LIMITED', 429, 'Too many requests: retry after %s s', 'A RestAPI caller (API key, user or address) went over the policy\'s rate limit; Retry-After says when to come back')
export const QK_REST_BAD_POLICY = defineError('QK_REST_BAD_POLICY', 500, 'Bad RestAPI policy: %s', 'RestAPI(db, policy) was given a policy that names unknown tables or fields, or options of the wrong type')
export const QK_REST_BODY_TOO_LARGE = defineError('QK_REST_BODY_TOO_LARGE', 413, 'Request body of %s bytes is above the API\'s bound of %s', 'A RestAPI write whose JSON body is larger than policy.maxBodyBytes (default 64 KiB)')
