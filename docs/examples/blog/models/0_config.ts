// Runs first on every request (models run in alphabetical order).
export const settings = {
  appName: 'Blog',
  author: 'You',
  description: 'A small blog made with Quark',
}

response.title = settings.appName
response.meta.description = settings.description
