/**
 * The rooms `npm run mutation` measures, each with the files it mutates and
 * the only test files that may kill their mutants (a room's own tests: a
 * mutant in session/ must be caught by session tests, not by luck elsewhere).
 * Keep each list small: every mutant runs the whole list once.
 */
export const ROOMS = {
  session: {
    // stores/file.ts (the default store): the id format, the lock (in-process, then the lock file and its
    // owner's token), the write; the other stores have their own conformance suite (tests/session/)
    mutate: ['server/session/fileSessions.ts', 'server/session/lock.ts', 'server/session/stores/file.ts:24-24',
      'server/session/stores/file.ts:44-66', 'server/session/stores/file.ts:99-113'],
    tests: ['tests/core/session.test.ts', 'tests/mutation-guards/session.test.ts', 'tests/session/file-lock.test.ts'],
  },
  dispatch: {
    mutate: ['server/dispatch/parse.ts', 'server/dispatch/registry.ts', 'server/dispatch/routes.ts'],
    tests: ['tests/core/dispatch.test.ts', 'tests/mutation-guards/dispatch.test.ts'],
  },
  auth: {
    mutate: ['server/auth/password.ts', 'server/auth/tokens.ts', 'server/auth/throttle.ts'],
    tests: ['tests/mutation-guards/auth.test.ts'],
  },
  // the requires… decorators over HTTP: a separate list, so the unit mutants above do not pay for a server
  'auth-access': {
    mutate: ['server/auth/access.ts'],
    tests: ['tests/mutation-guards/auth-access.test.ts'],
  },
  adminlib: {
    mutate: ['server/adminlib/paths.ts', 'server/adminlib/access.ts'],
    // adminlib.test.ts covers the whole IDE (slow, password hashing): paths and access are guarded here
    tests: ['tests/mutation-guards/adminlib.test.ts'],
  },
  forms: {
    // form.ts: the CSRF form key only (which session, what counts as a submission, the check, the
    // key's issue and rendering); the rest of form.ts is rendering and validation flow
    // (line ranges: move them with any edit of form.ts above or inside them)
    mutate: ['server/forms/form.ts:133-133', 'server/forms/form.ts:141-145', 'server/forms/form.ts:168-169', 'server/forms/form.ts:173-194',
      'server/forms/form.ts:273-276', 'server/forms/form.ts:310-325', 'server/forms/uploads.ts'],
    tests: ['tests/mutation-guards/forms.test.ts'],
  },
  // static files
  http: {
    mutate: ['server/http/static.ts'],
    tests: ['tests/core/static.test.ts', 'tests/mutation-guards/http.test.ts'],
  },
  // request bodies and their limits (--max-body, --max-file, --max-parts, --max-files): a separate list, so the
  // static mutants do not pay for the body tests and the other way round
  'http-body': {
    mutate: ['server/http/body.ts'],
    tests: ['tests/mutation-guards/http-body.test.ts'],
  },
  // numbers.ts (the IS_DECIMAL_IN_RANGE), then the most security-relevant others: network.ts (IS_EMAIL,
  // IS_IPV4/6, IS_IPADDRESS) and strong.ts (IS_STRONG); the rest: see MUTATION.md
  validators: {
    mutate: ['server/validators/numbers.ts', 'server/validators/network.ts', 'server/validators/strong.ts'],
    tests: ['tests/mutation-guards/validators.test.ts', 'tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts'],
  },
  // the other validators, one room per group of files so that a run stays short; each killed by web2py's
  // cases (tests/validators/) and its own guard file
  'validators-text': {
    mutate: ['server/validators/text.ts'],
    tests: ['tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts'],
  },
  'validators-sets': {
    mutate: ['server/validators/sets.ts', 'server/validators/lists.ts'],
    tests: ['tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts', 'tests/validators/lists.test.ts', 'tests/mutation-guards/validators-sets.test.ts'],
  },
  'validators-files': {
    mutate: ['server/validators/files.ts'],
    tests: ['tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts', 'tests/mutation-guards/validators-files.test.ts'],
  },
  'validators-dates': {
    mutate: ['server/validators/dates.ts'],
    tests: ['tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts', 'tests/validators/timezone.test.ts'],
  },
  'validators-urls': {
    mutate: ['server/validators/urls.ts'],
    tests: ['tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts', 'tests/mutation-guards/validators-urls.test.ts'],
  },
  'validators-base': {
    mutate: ['server/validators/base.ts', 'server/validators/crypt.ts', 'server/validators/indb.ts'],
    tests: ['tests/validators/cases.test.ts', 'tests/validators/behaviour.test.ts', 'tests/validators/in-db.test.ts'],
  },
  // the stores other than the file store (which the session room covers): the encrypted cookie and the
  // store configuration (private/session.json), unit tests only ...
  'session-cookie': {
    mutate: ['server/session/stores/cookie.ts', 'server/session/stores/config.ts'],
    tests: ['tests/session/cookie-store.test.ts', 'tests/mutation-guards/session-cookie.test.ts'],
  },
  // ... and the database and Redis stores, one room per store, each by its own guard file (the store in process,
  // two stores on one database or one Redis standing for two processes). Not the conformance suite
  // (tests/session/sqlite.test.ts, redis.test.ts): two Quark processes and 300 requests cost ~22 s a mutant on
  // the shared machine (137 mutants in database.ts alone), and a stopped run left the killed test command's two
  // servers running, orphaned
  'session-stores-db': {
    mutate: ['server/session/stores/database.ts'],
    tests: ['tests/mutation-guards/session-stores-db.test.ts'],
  },
  'session-stores-redis': {
    mutate: ['server/session/stores/redis.ts'],
    tests: ['tests/mutation-guards/session-stores-redis.test.ts'],
  },
  // the security checks of login, logout, reset and lock-out in actions.ts and auth.ts, over HTTP, in two
  // rooms (a mutant costs a server start and the whole guard file). Line ranges (move them with any edit
  // above or inside them): actions.ts safeNext and the reset key's shape, the logout POST's check and the
  // reset link's handling ...
  'auth-actions': {
    mutate: ['server/auth/actions.ts:35-43', 'server/auth/actions.ts:51-54', 'server/auth/actions.ts:134-140', 'server/auth/actions.ts:262-271'],
    tests: ['tests/mutation-guards/auth-actions.test.ts'],
  },
  // ... auth.ts the login's expiry (sessionAuth), the logout key and checkLogin's decisions (lock-out first)
  'auth-login': {
    mutate: ['server/auth/auth.ts:212-219', 'server/auth/auth.ts:267-275', 'server/auth/auth.ts:324-338'],
    tests: ['tests/mutation-guards/auth-actions.test.ts', 'tests/mutation-guards/auth-login.test.ts'],
  },


}
