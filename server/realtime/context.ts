/**
 * Work that outlives its request (a websocket's message and close handlers,
 * an event stream's generator) runs in a copy of the request's state: the
 * same app, request, session and auth user (auth.user reads them through
 * `current`), and its own set of databases, committed when the step
 * succeeds and rolled back when it throws, as a request's are.
 */
import { currentState, runInContext, type CurrentState, type Transactional } from '../current/index'
import { channelsOf, type AppChannels } from './hub'
import { QK_REALTIME_OUTSIDE_REQUEST } from './errors'

/** The state of the request being served; QK_REALTIME_OUTSIDE_REQUEST when there is none. */
export function requestState(what: string): CurrentState {
  const s = currentState()
  if (!s || !s.application) throw new QK_REALTIME_OUTSIDE_REQUEST(what)
  return s
}

export function appChannels(state: CurrentState): AppChannels {
  return channelsOf(state.application, state.appFolder)
}

async function settle(set: Set<Transactional>, ok: boolean): Promise<void> {
  for (const t of set) {
    try { await (ok ? t.commit() : t.rollback()) } finally { await t.release() }
  }
}

/** Run `fn` in a step state derived from `base`; its databases are committed (or rolled back) after it. */
export async function inStep<R>(base: CurrentState, fn: () => R | Promise<R>): Promise<R> {
  const state: CurrentState = { ...base, transactionals: new Set<Transactional>() }
  // the DAL keeps a request's open transactions under this key: the step opens its own
  state['dal.sessions'] = undefined
  let result: R
  try {
    result = await runInContext(state, fn)
  } catch (e) {
    await settle(state.transactionals, false).catch(() => {})
    throw e
  }
  await settle(state.transactionals, true)
  return result
}
