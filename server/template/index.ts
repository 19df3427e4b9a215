/**
 * template/: the template language. Public surface:
 *   TemplateEngine({ viewsFolder, checkInterval? })  .has(view) .render(view, scope, shape?, vars?, delimiters?)
 *     .renderSync(view, scope, delimiters?) .isPrecompiled — `delimiters` is response.delimiters (default {{ }}),
 *     each variant compiled and cached apart; a file's first line `{{delimiters '[[' ']]'}}` sets its own
 *   makeRender(engine, baseScope)   → response.render(view, ctx) for the request lifecycle
 *   templatePosition(error)         → { source, line } of the template line that raised it
 *   parseTemplate / compileTemplate (for tools such as the admin)
 *   precompileViews(viewsFolder, sources?) → the modules `quark compile` writes to compiled/views;
 *     an engine whose folder holds PRECOMPILED_INDEX serves those (no template read or parsed)
 * In a template, `__q.vars` is the action's result (the render scope when render() is given none).
 * Errors thrown while rendering carry a non-enumerable `templatePosition`.
 */
import { TemplateEngine } from './engine'

export { TemplateEngine, templatePosition, viewVars, type TemplateEngineOptions, type TemplatePosition } from './engine'
export { parseTemplate, checkDelimiters, DEFAULT_DELIMITERS, type Delimiters, type Node, type ParsedTemplate } from './parse'
export { compileTemplate, type CompiledTemplate } from './compile'
export { precompileViews, precompileView, loadPrecompiledView, readPrecompiledIndex, PRECOMPILED_INDEX, type PrecompiledIndex, type PrecompiledView, type PrecompileFailure } from './precompiled'
export * from './errors'

/**
 * The `response.render(view, ctx)` the lifecycle installs: renders `view`
 * with the request's names plus `ctx` on top (ctx wins).
 */
export function makeRender(engine: TemplateEngine, baseScope: Record<string, unknown>): (view: string, ctx?: Record<string, unknown>) => Promise<string> {
  return (view, ctx) => engine.render(view, ctx ? Object.assign(Object.create(baseScope) as Record<string, unknown>, ctx) : baseScope)
}
