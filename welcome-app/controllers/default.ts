// Every exported function is an action: /welcome/default/<name>.
// Names starting with _ are never exposed.

/** The home page: rendered by views/default/index.html. */
export function index() {
  return { message: T('Hello World') }
}

/** A string is sent as it is (the benchmarks' probe). */
export function hello() {
  return 'Hello World'
}

/** Login, logout, register, profile, password change and reset: /default/user/<action>. */
export async function user() {
  return { form: await auth.form() }
}
