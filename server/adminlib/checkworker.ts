/**
 * The process that runs `quark check` for the editor (editorcheck.ts forks it):
 * type-checking a whole app takes seconds of CPU, which in the server's own
 * process would stop every request of every app meanwhile. It gets
 * { appFolder, appName } over IPC, writes the declarations from the live
 * schema, checks, answers { report } or { error } and exits.
 */
import { generateAppTypes, checkApp, tsconfigText } from '../environment/index'

process.once('message', async (m: { appFolder: string; appName: string }) => {
  let answer: unknown
  try {
    // a model that does not run leaves the last declarations: the check still says what it can
    try { await generateAppTypes(m.appFolder, m.appName) } catch { /* reported by the check of the model itself */ }
    answer = { report: checkApp(m.appFolder, tsconfigText()) }
  } catch (e) {
    answer = { error: e instanceof Error ? e.message : String(e) }
  }
  process.send!(answer, () => process.exit(0))
})
