#!/usr/bin/env node
// The `quark` command in a checkout: registers a .ts loader (ts-hook.js) so the TypeScript sources
// run as they are, then runs server/cli/main.ts.
'use strict'
require('./v8flags.js')  // before any framework code runs (see the file)
require('./ts-hook.js')
const { main } = require('./main.ts')
main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (e) => { console.error(e); process.exitCode = 1 },
)
