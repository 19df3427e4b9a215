/**
 * dispatch/: URL → app/controller/function/extension/args, and the registry
 * of installed and mounted apps.
 *
 *   parsePath(pathname, defaults) → Target (action | static | asset); throws QK_DISPATCH_BAD_NAME (400)
 *   AppRegistry(folder): get(name), names(), mountApp(name, folder), scan()
 *   isValidAppName(name)
 *   siteDefaultApp(folder), appDefaults(appFolder)   routes.json defaults (site and per app)
 */
export { parsePath, isValidAppName, NAME, EXT, type Target, type Defaults } from './parse'
export { AppRegistry } from './registry'
export { siteDefaultApp, appDefaults } from './routes'
export * from './errors'
