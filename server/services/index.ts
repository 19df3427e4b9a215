/**
 * services/: generic renderers for actions without a specific view
 * (`renderGeneric(ext, value, request)` → { body, contentType } | undefined),
 * the serializers behind them, and `Service` (json, xml, csv, rss,
 * JSON-RPC 1/2, XML-RPC).
 */
export { renderGeneric, GENERIC_EXTENSIONS, type GenericResult } from './generic'
export { toJson, toXml, toPlain, isRowsLike, xmlText, type RowsLike } from './serialize'
export { toCsv, toRss, toAtom, toIcs, findTable } from './feeds'
export * from './errors'
import { Service } from './service'
export { Service }
export { parametersOf, type ServiceKind } from './service'
export { RestAPI, openapiDocument, fieldModel, fieldSchema, closeRateLimitClients, type RestAction, type RestPolicy, type TableRules, type MethodRules, type RateLimit } from './rest/index'
export * from './rest/errors'
import { RestAPI } from './rest/index'
export { parseMethodCall, parseMethodResponse, methodCall, methodResponse, methodFault, encodeValue as xmlrpcValue, XmlRpcParseError } from './xmlrpc'

/** The names models, controllers and views see without imports. */
export function serviceNames(): Record<string, unknown> {
  return { Service, RestAPI }
}
