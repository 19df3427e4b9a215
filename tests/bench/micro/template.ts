/**
 * Template render of the welcome app's index view with its layout
 * (server/template), in the environment the welcome models make
 * (server/environment's appShellEnvironment), the action's result on top:
 * what the request lifecycle renders, without HTTP.
 */
import path from 'node:path'
import { importRoom, measure, result, skipped, type MicroResult } from './measure'
import { copyWelcome } from './welcome-copy'

export async function templateMicros(): Promise<MicroResult[]> {
  const name = 'template: welcome default/index.html with its layout'
  const tpl = await importRoom('template')
  if (!tpl.mod) return [skipped('template-index', name, tpl.why!)]
  const env = await importRoom('environment')
  if (!env.mod) return [skipped('template-index', name, `no environment to render in: ${env.why}`)]
  if (typeof env.mod.appShellEnvironment !== 'function' || typeof tpl.mod.TemplateEngine !== 'function') {
    return [skipped('template-index', name, 'needs TemplateEngine (template) and appShellEnvironment (environment)')]
  }
  let copy: ReturnType<typeof copyWelcome>
  try { copy = copyWelcome() } catch (e) { return [skipped('template-index', name, (e as Error).message)] }
  try {
    const shell = await env.mod.appShellEnvironment(copy.folder, 'welcome')
    const engine = new tpl.mod.TemplateEngine({ viewsFolder: path.join(copy.folder, 'views') })
    if (!engine.has('default/index.html')) return [skipped('template-index', name, 'welcome-app/views/default/index.html does not exist yet')]
    const T = shell.env.T as (s: string) => unknown
    const render = () => shell.run(() => {
      const scope = Object.assign(Object.create(shell.env) as Record<string, unknown>, { message: T('Hello World') })
      return engine.render('default/index.html', scope) as Promise<string>
    })
    const html = await render()
    if (!/<html/i.test(html) || !html.includes('Hello World')) return [skipped('template-index', name, `unexpected output: ${html.slice(0, 120)}`)]
    const us = await measure(render, { warmupMs: 300, runMs: 1000 })
    await shell.close()
    return [result('template-index', name, us, { note: `${html.length} bytes` })]
  } catch (e) {
    return [skipped('template-index', name, `failed: ${String((e as Error).message).split('\n')[0].slice(0, 200)}`)]
  } finally {
    copy.remove()
  }
}
