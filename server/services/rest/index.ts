/**
 * services/rest/: REST over DAL tables (RestAPI), its policies, its OpenAPI
 * document, and the named errors of both.
 */
export { RestAPI, type RestAction } from './api'
export type { RestPolicy, TableRules, MethodRules, RateLimit, Method, PolicyContext, AuthLike } from './policy'
export { openapiDocument } from './openapi'
export { fieldModel, fieldSchema, type FieldModel } from './model'
export { closeRateLimitClients } from './ratelimit'
export * from './errors'
