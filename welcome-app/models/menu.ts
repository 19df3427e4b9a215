// The main menu, as [label, active, url] entries, rendered by the layout.
// Links go through URL(), so they follow the site's routes.
export const menu: [string, boolean, string][] = [
  [String(T('Home')), request.function === 'index', URL('default', 'index')],
  [String(T('Hello')), request.function === 'hello', URL('default', 'hello')],
]
