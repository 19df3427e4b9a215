// The blog's own tests: `quark test blog` runs them in the app's environment; changes are rolled back.
test('a post can be written and read back', async () => {
  const id = await db.post.insert({ title: 'Hello', body: 'First post' })
  assert.equal((await db.post.get(id))?.title, 'Hello')
})

test('an empty title is refused by the validators', async () => {
  const result = await db.post.validateAndInsert({ title: '', body: 'x' })
  assert.ok(result.errors.title)
})
