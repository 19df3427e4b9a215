/**
 * compile/: an app's compiled form (web2py's bytecode distribution).
 *
 *   compileApp(appFolder) → { folder, files, views, bytesIn, bytesOut }   writes <app>/compiled/ (atomically):
 *     models, controllers, modules minified; each view a module with its minified render function (template/)
 *   removeCompiled(appFolder) → boolean                             back to running from sources
 *   isCompiled(appFolder), compiledTwin(path), viewsFolderOf(appFolder)   what the core uses to prefer compiled files
 *   compileCommand                                                  `quark compile <app> [--remove]`
 */
export * from './errors'
export { compileApp, removeCompiled, type CompileReport } from './build'
export { isCompiled, compiledTwin, viewsFolderOf, forgetMarker, COMPILED_DIR, MARKER } from './twin'
export { compileCommand } from './cli'
