/**
 * http/: the listening server, request/response objects, cookies, bodies
 * (urlencoded, JSON, multipart to temp files), static files and the
 * framework assets under /_quark/.
 *
 *   HTTP(status, body?, headers?), redirect(url), HTTPError, isHTTP
 *   buildRequest, QuarkRequest, makeArgs, argAt, QuarkResponse, sendResponse, StreamBody, errorPage, ERROR_PAGE_CSS (its fixed style)
 *   setDownloader(fn)   forms registers what response.download(request, db) serves with
 *   readBody, hasBody, removeUploads, defaultLimits, BodyLimits, UploadedFile
 *   parseCookies, serializeCookie, CookieOptions
 *   serveStatic, serveAsset, assetTable, safeSegments
 *   contentTypeOf(file)   mime-types' table, .tar.gz first, charset on text; packageTypeOf, COMMON_TYPES (the preset answered without loading it)
 *   listen, Listening, ensureCertificate, readCertificate
 *   isLocalAddress(ip)  127.0.0.0/8 and ::1: request.isLocal and the admin's test are this one function
 *   parseTrustProxy, forwardedOf   --trust-proxy: X-Forwarded-* / Forwarded believed from those peers only
 *   allowedHosts, defaultAllowedHosts, hostAllowed   --allowed-hosts: any other Host gets 400 (QK_HTTP_BAD_HOST)
 *   HEALTH_PATH, READY_PATH   /_quark/health and /_quark/ready, answered before dispatch (listen's `ready`)
 *   escapeHtml
 *   Dict, dict()      name→value maps without inherited names that stay fast objects (not Object.create(null))
 */
export { HTTP, HTTPError, isHTTP, redirect } from './httpError'
export { buildRequest, makeArgs, argAt, isLocalAddress, type QuarkRequest, type Args, type ArgsOptions, type Vars, type RouteParts } from './request'
export { QuarkResponse, StreamBody, sendResponse, errorPage, ERROR_PAGE_CSS, setDownloader, type Downloader } from './response'
export { readBody, hasBody, removeUploads, defaultLimits, type BodyLimits, type UploadedFile } from './body'
export { parseCookies, serializeCookie, type CookieOptions } from './cookies'
export { serveStatic, serveAsset, assetTable, safeSegments } from './static'
export { contentTypeOf, packageTypeOf, COMMON_TYPES } from './mime'
export { listen, type Listening, type Handler } from './server'
export { parseTrustProxy, forwardedOf, parseForwarded, type AddressMatcher, type ForwardedView } from './proxy'
export { allowedHosts, defaultAllowedHosts, certificateNames, hostAllowed, hostName, requestedHost, LOCAL_NAMES, type AllowedHosts } from './hosts'
export { HEALTH_PATH, READY_PATH, READY_CACHE_MS, type ReadyCheck } from './health'
export { ensureCertificate, readCertificate, type Pem } from './certificate'
export { escapeHtml, toHtml } from './escape'
export { Dict, dict } from './dict'
export * from './errors'
