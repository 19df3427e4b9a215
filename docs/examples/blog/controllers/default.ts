// The blog: a list of posts, a page per post with its comments, a grid to manage posts,
// a JSON API and the user pages.

/** The home page: the latest posts. */
export async function index() {
  const posts = await db(db.post).select({ orderby: db.post.created_on.desc(), limitby: [0, 20] })
  return { posts }
}

/** One post, its comments, and a form to add one (for logged-in users). */
export async function show() {
  const post = await db.post.get(request.args(0, { cast: Number, otherwise: URL('index') }))
  if (!post) throw HTTP(404, 'No such post')
  let form = null
  if (auth.isLoggedIn()) {
    db.comment.post.default = post.id
    form = SQLFORM(db.comment)
    if ((await form.process()).accepted) {
      session.flash = T('Comment added')
      redirect(URL('show', { args: [post.id] }))
    }
  }
  const comments = await db(db.comment.post.eq(post.id)).select({ orderby: db.comment.created_on })
  return { post, comments, form }
}

/** Write, edit and delete posts: a grid, for logged-in users only. */
export const manage = auth.requiresLogin(async () => {
  const grid = await SQLFORM.grid(db.post, { fields: [db.post.title, db.post.created_on], orderby: db.post.created_on.desc() })
  return { grid }
})

/** Serves the uploaded images: /blog/default/download/<name>. */
export function download() {
  return response.download(request, db)
}

/** Login, logout, register, profile, password change and reset: /default/user/<action>. */
export async function user() {
  return { form: await auth.form() }
}

// The JSON API: /blog/default/call/json/posts and /blog/default/call/json/post/<id>
const service = new Service()
service.json(async function posts() {
  const rows = await db(db.post).select(db.post.id, db.post.title, db.post.created_on, { orderby: db.post.created_on.desc() })
  return rows.toJSON()
})
service.json(async function post(id: string) {
  const row = await db.post.get(Number(id))
  if (!row) throw HTTP(404, 'No such post')
  return { id: row.id, title: row.title, body: row.body }
})
export function call() {
  return service.call()
}
