/**
 * environment/: compiling app files, the per-request environment and THE
 * request lifecycle.
 *
 *   createHandler(CoreOptions) → node request handler (dispatch, static, actions)
 *   runInApp(appFolder, appName, { controller, function, args, vars } | { script }) → result (cron, scheduler)
 *   appShellEnvironment(appFolder, appName) → { env, run, commit, rollback, close } (quark shell)
 *   runAppTests(appFolder, appName, { log, timeoutMs }) → { files, passed, failed, results } (quark test)
 *   writeAppTypes(appFolder), declarationText(appFolder)   the per-app .d.ts + tsconfig
 *   generateAppTypes(appFolder, appName)                   run the models, record the live schema, write the .d.ts (quark types)
 *   checkApp(appFolder, tsconfig) → { problems, files, views }   models, controllers, modules, tests and views type-checked (quark check)
 *   appRuntime(name, folder), AppRuntime                   per-app loader / templates / T / cache
 *   getStaticNames(), nameSources(), optionalRoom(room)     framework names
 *   compiledScript(file, asModule?), invalidate(prefix?), RECHECK_MS   compile cache
 *   lowerExports(cjs) → { prelude, helpers, body }          esbuild exports → plain assignments
 *   compileScoped (scope.ts), registerSourceMap / originalPosition (sourcemaps.ts)
 *   deriveShape / setScopeShape / scopeShape (scope.ts)     declared scope shapes: bound names cached per shape
 */
export { createHandler, buildEnvironment, type CoreOptions } from './lifecycle'
export { runInApp, appShellEnvironment, type RunSpec } from './runInApp'
export { runAppTests, appTestFiles, type AppTestReport, type AppTestResult } from './appTests'
export { writeAppTypes, declarationText, exportedNames, tsconfigText } from './types'
export { generateAppTypes } from './typegen'
export { checkApp, type CheckReport, type CheckProblem } from './check'
export { captureScope, readSchema, valueType, type AppSchema } from './schema'
export { appRuntime, AppRuntime, type TemplateEngineLike } from './app'
export { getStaticNames, nameSources, optionalRoom, PER_REQUEST_NAMES } from './names'
export { compiledScript, invalidate, listDir, RECHECK_MS } from './compiler'
export { genericAllowed } from './views'
export { compileScoped, ScopedScript, deriveShape, setScopeShape, scopeShape } from './scope'
export { lowerExports, type LoweredModule } from './lowerExports'
export { registerSourceMap, registerLineMapper, originalPosition, forgetSourceMap } from './sourcemaps'
export * from './errors'
