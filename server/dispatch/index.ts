/**
 * dispatch/: URL → app/controller/function/extension/args, and the registry
 * of installed and mounted apps.
 *
 *   parsePath(pathname, defaults) → Target (action | static | asset); throws QK_DISPATCH_BAD_NAME (400)
 *   AppRegistry(folder): get(name), names(), mountApp(name, folder), scan()
 *   isValidAppName(name)
 *   siteDefaultApp(folder), appDefaults(appFolder)   routes.json defaults (site and per app)
 *   SiteRoutes(registry): the site's routes (routes.ts / routes.json, site and per app), compiled once
 *     per change: route(pathname, query, req) → target (in), outgoing(...) / outgoingStatic(...) for
 *     URL() (out), errorRoute(app, status, uri, ticket) for routes_onerror, describe() for the admin
 *   routesProblems(): the routes files that failed to load, and why
 *   routeDomainNames(folder): the host names of the site's `domains` (the Host check allows them)
 */
export { parsePath, isValidAppName, NAME, EXT, type Target, type Defaults } from './parse'
export { AppRegistry } from './registry'
export { siteDefaultApp, appDefaults } from './routes'
export * from './errors'
export { SiteRoutes, type RoutedTarget, type ErrorRoute, type OutRequest } from './site'
export { routesProblems } from './config'
export { routeDomainNames } from './domains'
