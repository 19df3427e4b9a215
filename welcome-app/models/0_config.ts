// Runs first on every request (models run in alphabetical order).
// Names exported here are visible to later models, controllers and views.
export const settings = {
  appName: 'Welcome',
  author: 'You',
  description: 'The Quark scaffold application',
}

response.title = settings.appName
response.meta.description = settings.description
