// The main menu, as [label, active, url] entries, rendered by the layout.
// Links go through URL(), so they follow the site's routes. (In .ts files the generated declarations
// leave `URL` typed as Node's URL class; at run time it is Quark's URL(), hence the cast.)
const link = URL as unknown as (controller: string, fn: string) => string
export const menu: [string, boolean, string][] = [
  [String(T('Home')), request.function === 'index', link('default', 'index')],
  [String(T('Hello')), request.function === 'hello', link('default', 'hello')],
]
