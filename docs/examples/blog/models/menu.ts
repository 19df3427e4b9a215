// The main menu, [label, active, url] entries, rendered by the layout.
export const menu: [string, boolean, string][] = [
  [String(T('Posts')), request.function === 'index', URL('default', 'index')],
  [String(T('Manage')), request.function === 'manage', URL('default', 'manage')],
]
