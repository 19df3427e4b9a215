/**
 * LOAD(c, f, { ajax: false }): the component's content rendered into the page at once, as web2py
 * does without ajax: the other action runs in a copy of this request's environment (the models are
 * not run again) with its own request (controller, function, args, vars, extension `load`) and its
 * own response (headers, view), then its view renders.
 *
 * Only what can be done while the page's view renders (views render synchronously): an action of the
 * same app, not declared `async`, whose view does not await. Otherwise the loader answers undefined and
 * LOAD falls back to the ajax placeholder, so nothing runs twice.
 */
import { runInContext, type CurrentState } from '../current'
import { makeArgs, type QuarkRequest, type QuarkResponse } from '../http'
import type { AppRuntime } from './app'
import { renderResult } from './views'

export interface InlineParent {
  state: CurrentState
  rt: AppRuntime
  env: Record<string, unknown> | undefined
  request: QuarkRequest
  response: QuarkResponse
}

/** The body of `url`'s action rendered in `parent`'s request, or undefined when it cannot be done inline. */
export function loadInline(parent: InlineParent, url: string): string | undefined {
  const { state, rt, env } = parent
  if (!env) return undefined
  let u: globalThis.URL
  try { u = new globalThis.URL(url, 'http://inline.invalid') } catch { return undefined }
  if (u.host !== 'inline.invalid') return undefined  // another site: only ajax can fetch it
  const parts = u.pathname.split('/').filter(Boolean)
  let decoded: string[]
  try { decoded = parts.map((p) => decodeURIComponent(p)) } catch { return undefined }
  if (decoded[0] !== state.application || decoded.length < 3) return undefined  // another app, or a routed URL
  let fn = decoded[2]!
  let extension = 'load'
  const dot = fn.lastIndexOf('.')
  if (dot > 0) { extension = fn.slice(dot + 1); fn = fn.slice(0, dot) }
  const controller = decoded[1]!
  const vars: Record<string, unknown> = {}
  for (const [k, v] of u.searchParams) vars[k] = k in vars ? ([] as unknown[]).concat(vars[k], v) : v

  // the component's own request and response, over the page's (cookies, client, session stay the same)
  const request = Object.create(parent.request) as QuarkRequest
  own(request, { controller, function: fn, extension, args: makeArgs(decoded.slice(3)), vars, getVars: vars, postVars: {}, ajax: false, path: u.pathname, url: u.pathname + u.search })
  const response = Object.create(parent.response) as QuarkResponse
  own(response, { headers: {}, view: '', body: [] })

  const subState = Object.create(state) as CurrentState
  subState.request = request
  subState.response = response
  const subEnv = Object.create(Object.getPrototypeOf(env)) as Record<string, unknown>
  for (const k of Object.keys(env)) subEnv[k] = env[k]
  subEnv.request = request
  subEnv.response = response

  return runInContext(subState, () => {
    const action = rt.action(subEnv, controller, fn)
    if (action.constructor.name === 'AsyncFunction') return undefined
    const result = action()
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      throw new Error(`LOAD(${controller}, ${fn}, { ajax: false }): the action answered a promise; declare it async or load it with ajax`)
    }
    const body = renderResult(result, subEnv, rt, request, response)
    if (body instanceof Promise) throw new Error(`LOAD(${controller}, ${fn}, { ajax: false }): its view awaits; load it with ajax`)
    if (body === null || body === undefined) return ''
    if (typeof body === 'string') return body
    if (Buffer.isBuffer(body)) return body.toString('utf8')
    return undefined
  })
}

function own(target: object, values: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(values)) Object.defineProperty(target, k, { value: v, writable: true, enumerable: true, configurable: true })
}
