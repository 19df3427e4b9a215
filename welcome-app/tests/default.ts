// The app's own tests: `quark test <app>` runs every tests/*.ts in the app's environment, the
// models executed, with `test(name, fn)` and `assert` (node:assert/strict) beside the models' names.
// Whatever a file does to the databases is rolled back when its tests end.
test('the menu links the home page and the hello page', () => {
  const urls = menu.map(([, , url]) => url)
  assert.deepEqual(urls, [`/${request.application}/default/index`, `/${request.application}/default/hello`])
})

test('a group can be created (rolled back afterwards)', async () => {
  const id = await db.auth_group.insert({ role: 'testers', description: 'made by a test' })
  assert.equal((await db.auth_group.get(id))?.role, 'testers')
})
